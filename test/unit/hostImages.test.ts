import * as assert from "assert";
import { familiarReference, parseImageList } from "../../lib/hostImages";

describe("host image references", () => {
    it("normalises references the way `docker image ls` names them", () => {
        assert.strictEqual(familiarReference("busybox"), "busybox:latest");
        assert.strictEqual(familiarReference("docker.io/library/busybox:1.37"), "busybox:1.37");
        assert.strictEqual(familiarReference("library/nginx:1.26.3"), "nginx:1.26.3");
        assert.strictEqual(familiarReference("docker/getting-started"), "docker/getting-started:latest");
        assert.strictEqual(familiarReference("localhost:5000/a/b"), "localhost:5000/a/b:latest");
        assert.strictEqual(familiarReference("ghcr.io/org/tool:2"), "ghcr.io/org/tool:2");
        const digest = `sha256:${"a".repeat(64)}`;
        assert.strictEqual(familiarReference(`quay.io/x/y@${digest}`), `quay.io/x/y@${digest}`);
    });

    it("reads image IDs by tag and by digest, skipping dangling images", () => {
        const ids = parseImageList(
            [
                "busybox 1.37 <none> sha256:1111",
                "ghcr.io/org/tool 2 sha256:dddd sha256:2222",
                "<none> <none> <none> sha256:3333",
                "",
            ].join("\n"),
        );
        assert.strictEqual(ids.get("busybox:1.37"), "sha256:1111");
        assert.strictEqual(ids.get("ghcr.io/org/tool:2"), "sha256:2222");
        assert.strictEqual(ids.get("ghcr.io/org/tool@sha256:dddd"), "sha256:2222");
        assert.strictEqual(ids.size, 3);
    });
});
