// The stack's mirror on the real engine, with the registry image and settings
// the Mirror component uses, caching a local upstream registry instead of
// Docker Hub (so no traffic leaves the machine): pulls go through and are
// cached, and no push is accepted, so nobody can plant an image that every
// daemon would pull.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MIRROR_PORT, mirrorEnvironment } from "../../components/mirror";
import { IMAGES } from "../../lib/images";
import { must, run } from "../support/pulumiCli";

const LABEL = "dind-compose.stack=mirror-test";
const NETWORK = "dc-mirror-test.edge";
const UPSTREAM_PORT = 25001;
const MIRROR_HOST_PORT = 25002;

describe("mirror: a read-only pull-through cache", function () {
    this.timeout(5 * 60 * 1000);
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), "dc-mirror-test-"));
    const cleanup = () => {
        const ids = run("docker", ["ps", "-aq", "--filter", `label=${LABEL}`]).stdout.split("\n").filter(Boolean);
        if (ids.length > 0) {
            run("docker", ["rm", "-f", "-v", ...ids]);
        }
        run("docker", ["network", "rm", NETWORK]);
        for (const ref of [`127.0.0.1:${UPSTREAM_PORT}/library/busybox:1.37`, `127.0.0.1:${MIRROR_HOST_PORT}/library/busybox:1.37`, `127.0.0.1:${MIRROR_HOST_PORT}/library/planted:1`]) {
            run("docker", ["rmi", ref]);
        }
    };

    before(async () => {
        cleanup();
        must("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=mirror", "-addext", "subjectAltName=DNS:mirror,DNS:localhost,IP:127.0.0.1", "-keyout", path.join(certs, "mirror.key"), "-out", path.join(certs, "mirror.crt")]);
        fs.chmodSync(path.join(certs, "mirror.key"), 0o644);
        must("docker", ["network", "create", "--label", LABEL, NETWORK]);
        must("docker", ["run", "-d", "--label", LABEL, "--name", "dc-mirror-test.upstream", "--network", NETWORK, "--network-alias", "upstream", "-p", `127.0.0.1:${UPSTREAM_PORT}:5000`, IMAGES.registry.tag]);
        const env = mirrorEnvironment(`http://upstream:5000`, "/certs/mirror.crt", "/certs/mirror.key").flatMap((e) => ["-e", e]);
        must("docker", ["run", "-d", "--label", LABEL, "--name", "dc-mirror-test.mirror", "--network", NETWORK, "-p", `127.0.0.1:${MIRROR_HOST_PORT}:${MIRROR_PORT}`, "-v", `${certs}:/certs:ro`, ...env, IMAGES.registry.tag]);
        // Seed the upstream as a registry on the internet would be.
        must("docker", ["tag", IMAGES.busybox.tag, `127.0.0.1:${UPSTREAM_PORT}/library/busybox:1.37`]);
        for (let i = 0; i < 30 && run("docker", ["push", `127.0.0.1:${UPSTREAM_PORT}/library/busybox:1.37`], { timeoutSeconds: 60 }).code !== 0; i++) {
            await new Promise((r) => setTimeout(r, 500));
        }
    });

    after(cleanup);

    it("serves an image it does not have by pulling it from its upstream", async () => {
        let pulled = run("docker", ["pull", `127.0.0.1:${MIRROR_HOST_PORT}/library/busybox:1.37`], { timeoutSeconds: 60 });
        for (let i = 0; i < 20 && pulled.code !== 0; i++) {
            await new Promise((r) => setTimeout(r, 500));
            pulled = run("docker", ["pull", `127.0.0.1:${MIRROR_HOST_PORT}/library/busybox:1.37`], { timeoutSeconds: 60 });
        }
        assert.strictEqual(pulled.code, 0, pulled.stderr);
        const id = (ref: string) => must("docker", ["image", "inspect", "--format", "{{.Id}}", ref]).stdout.trim();
        assert.strictEqual(id(`127.0.0.1:${MIRROR_HOST_PORT}/library/busybox:1.37`), id(IMAGES.busybox.tag));
    });

    it("refuses every push, so no image can be planted for the daemons", () => {
        must("docker", ["tag", IMAGES.busybox.tag, `127.0.0.1:${MIRROR_HOST_PORT}/library/planted:1`]);
        const pushed = run("docker", ["push", `127.0.0.1:${MIRROR_HOST_PORT}/library/planted:1`], { timeoutSeconds: 60 });
        assert.notStrictEqual(pushed.code, 0, `the mirror accepted a push:\n${pushed.stdout}`);
        const fetched = run("docker", ["pull", `127.0.0.1:${MIRROR_HOST_PORT}/library/planted:1`], { timeoutSeconds: 60 });
        assert.notStrictEqual(fetched.code, 0, "nothing was planted");
    });
});
