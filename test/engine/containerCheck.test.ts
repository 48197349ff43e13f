// The check that replaced the proxy's Docker health check
// (components/containerCheck.ts), against the real engine: it passes for a
// running container whose command succeeds, and fails, saying why, when the
// command fails or the container has exited.

import * as assert from "assert";
import { containerCheckProvider } from "../../components/containerCheck";
import { must, run } from "../support/pulumiCli";

/** A small image scripts/images.sh guarantees on the host. */
const IMAGE = "busybox:1.37";
const LABEL = "dind-compose.check-test";
const name = `dc-check-${process.pid}`;

const cleanUp = () => run("docker", ["rm", "-f", "-v", name]);
const inputs = (containerId: string, command: string[]) => ({ containerId, containerName: name, what: "the test's container", command, timeoutSeconds: 10 });

describe("container check against the real engine", function () {
    this.timeout(120000);
    before(cleanUp);
    afterEach(cleanUp);

    it("passes once a running container's command succeeds", async () => {
        const id = must("docker", ["run", "-d", "--init", "--name", name, "--label", LABEL, IMAGE, "sleep", "600"]).stdout.trim();
        const started = Date.now();
        await containerCheckProvider.create!(inputs(id, ["test", "-d", "/"]));
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    });

    it("fails with the command's own words when it fails", async () => {
        const id = must("docker", ["run", "-d", "--init", "--name", name, "--label", LABEL, IMAGE, "sleep", "600"]).stdout.trim();
        await assert.rejects(containerCheckProvider.create!(inputs(id, ["sh", "-c", "echo config is bad >&2; exit 1"])), (err: Error) => {
            assert.match(err.message, new RegExp(`the test's container ${name}: .*failed in it: config is bad`));
            return true;
        });
    });

    it("fails with the container's last output when it has exited", async () => {
        const id = must("docker", ["run", "-d", "--name", name, "--label", LABEL, IMAGE, "sh", "-c", "echo cannot start; exit 3"]).stdout.trim();
        must("docker", ["wait", id]);
        await assert.rejects(containerCheckProvider.create!(inputs(id, ["true"])), (err: Error) => {
            assert.match(err.message, /is exited \(exit code 3\)/);
            assert.match(err.message, /cannot start/);
            return true;
        });
    });
});
