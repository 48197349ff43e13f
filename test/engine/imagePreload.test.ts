// The image preload's wait for a daemon, against the real engine: it polls
// inside the container with one `docker exec`, and fails within its bound,
// or at once when the container is not running, quoting the container's
// last output. (A daemon that answers is every e2e test's first step.)

import * as assert from "assert";
import { imagePreloadProvider } from "../../components/imagePreload";
import { must, run } from "../support/pulumiCli";

/** A small image scripts/images.sh guarantees on the host; it has a shell but no docker CLI, so it never answers. */
const IMAGE = "busybox:1.37";
const id = `dc-preload-test-${process.pid}`;
const cleanUp = () => run("docker", ["rm", "-f", `${id}-silent`, `${id}-exited`]);

describe("image preload: waiting for a daemon, against the real engine", function () {
    this.timeout(60000);
    before(cleanUp);
    after(cleanUp);

    const preload = (daemonId: string) =>
        imagePreloadProvider.create!({ project: "p", daemonId, daemonName: daemonId, daemonSeconds: 2, images: {} }).then(
            () => "",
            (err: Error) => err.message,
        );

    it("gives up on a daemon that never answers after its bound, quoting its output", async () => {
        must("docker", ["run", "-d", "--name", `${id}-silent`, IMAGE, "sh", "-c", "echo not a daemon; exec sleep 600"]);
        const started = Date.now();
        const error = await preload(`${id}-silent`);
        const seconds = (Date.now() - started) / 1000;
        assert.match(error, new RegExp(`^project p: its daemon ${id}-silent did not answer within 2s\\. Its last output .*\\n {4}not a daemon`));
        assert.ok(seconds >= 2 && seconds < 6, `gave up after ${seconds} s`);
    });

    it("fails at once when the daemon's container has stopped", async () => {
        run("docker", ["run", "--name", `${id}-exited`, IMAGE, "sh", "-c", "echo dockerd: no space left; exit 3"], { timeoutSeconds: 30 });
        const started = Date.now();
        const error = await preload(`${id}-exited`);
        assert.match(error, new RegExp(`its daemon ${id}-exited is exited \\(exit code 3\\)\\. Its last output .*\\n {4}dockerd: no space left`));
        assert.ok(Date.now() - started < 3000);
    });
});
