// The toolchain against the real engine: a real `pulumi up` of a minimal stack
// (one tls key, one labelled container), then `pulumi destroy`, then nothing
// with that label is left. It cleans up even when it fails.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiWorkspace, containersLabelled, must, removeLabelled, repoRoot } from "../support/pulumiCli";

const LABEL = "dind-compose.smoke";
const runId = `smoke-${process.pid}-${Date.now()}`;
/** A small image scripts/images.sh guarantees on the host. */
const IMAGE = "busybox:1.37";

describe("real engine smoke test", function () {
    this.timeout(15 * 60 * 1000);
    let workspace: PulumiWorkspace;

    before(() => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-smoke-"));
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dind-compose-smoke\nruntime: nodejs\nmain: index.js\n");
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "dind-compose-smoke", private: true, main: "index.js" }));
        fs.writeFileSync(
            path.join(dir, "index.js"),
            `const docker = require("@pulumi/docker");
const tls = require("@pulumi/tls");
const key = new tls.PrivateKey("key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
const image = new docker.RemoteImage("image", { name: ${JSON.stringify(IMAGE)}, keepLocally: true });
const box = new docker.Container("box", {
    name: ${JSON.stringify(runId)},
    image: image.imageId,
    command: ["sleep", "3600"],
    labels: [{ label: ${JSON.stringify(LABEL)}, value: ${JSON.stringify(runId)} }],
    destroyGraceSeconds: 1,
});
exports.keyAlgorithm = key.algorithm;
exports.containerId = box.id;
`,
        );
        workspace = new PulumiWorkspace(dir, "smoke");
        workspace.initStack();
    });

    after(() => {
        if (workspace) {
            workspace.destroyQuietly();
        }
        removeLabelled(LABEL, runId);
    });

    it("creates a tls key and a labelled container with pulumi up, and removes them with pulumi destroy", () => {
        const up = workspace.mustPulumi(["up", "--yes", "--skip-preview"]);
        console.log(`      pulumi up: ${up.seconds.toFixed(1)}s`);
        const outputs = JSON.parse(workspace.mustPulumi(["stack", "output", "--json"]).stdout);
        assert.strictEqual(outputs.keyAlgorithm, "ECDSA");

        const running = must("docker", ["ps", "-q", "--no-trunc", "--filter", `label=${LABEL}=${runId}`]).stdout.trim();
        assert.strictEqual(running, outputs.containerId, "the container pulumi created is running");

        const destroy = workspace.mustPulumi(["destroy", "--yes", "--skip-preview"]);
        console.log(`      pulumi destroy: ${destroy.seconds.toFixed(1)}s`);
        assert.deepStrictEqual(containersLabelled(LABEL, runId), []);
    });
});
