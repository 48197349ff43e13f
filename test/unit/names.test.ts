import * as assert from "assert";
import { LABELS, dockerName, labelsFor, toLabelList } from "../../lib/names";
import { hubRepository } from "../../components/mirror";

describe("names and labels", () => {
    it("derives Docker names from stack and project so stacks do not collide", () => {
        assert.strictEqual(dockerName("dev", "project-a", "daemon"), "dc-dev-project-a-daemon");
        assert.notStrictEqual(dockerName("dev", "project-a", "daemon"), dockerName("e2e", "project-a", "daemon"));
    });

    it("keeps names within Docker's character set whatever the stack is called", () => {
        assert.strictEqual(dockerName("Alice/Dev Stack", "edge"), "dc-alice-dev-stack-edge");
        assert.match(dockerName("_odd", "x"), /^[a-z0-9][a-z0-9_.-]*$/);
    });

    it("labels every object with stack and role, and project when it has one", () => {
        assert.deepStrictEqual(labelsFor("dev", "proxy"), { [LABELS.stack]: "dev", [LABELS.role]: "proxy" });
        assert.strictEqual(labelsFor("dev", "daemon", "project-a")[LABELS.project], "project-a");
    });

    it("lists labels sorted so the provider sees a stable order", () => {
        assert.deepStrictEqual(
            toLabelList({ b: "2", a: "1" }).map((l) => l.label),
            ["a", "b"],
        );
    });

    it("maps images to the repository path a Docker Hub mirror serves", () => {
        assert.strictEqual(hubRepository("busybox:1.37"), "library/busybox:1.37");
        assert.strictEqual(hubRepository("docker.io/library/nginx:1.26.3"), "library/nginx:1.26.3");
        assert.strictEqual(hubRepository("someone/tool:2"), "someone/tool:2");
    });
});
