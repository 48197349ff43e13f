// The image preload against the real engine. Its wait for a daemon polls
// inside the container with one `docker exec`, and fails within its bound,
// or at once when the container is not running, quoting the container's
// last output. Against a real daemon (the daemon image, as the daemon test
// runs it), it loads what the daemon lacks and nothing it already has.

import * as assert from "assert";
import * as fs from "fs";
import { daemonCommand } from "../../components/daemon";
import { imagePreloadProvider } from "../../components/imagePreload";
import { IMAGES } from "../../lib/images";
import { must, run } from "../support/pulumiCli";

/** A small image scripts/images.sh guarantees on the host; it has a shell but no docker CLI, so it never answers. */
const IMAGE = "busybox:1.37";
const id = `dc-preload-test-${process.pid}`;
const cleanUp = () => run("docker", ["rm", "-f", "-v", `${id}-silent`, `${id}-exited`, `${id}-daemon`]);

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

    it("loads into a real daemon the host images it lacks, checked by ID, and nothing it already has", async () => {
        // lib/daemon.sh's dockerd on its local socket only (the TLS material is the graph test's).
        const command = daemonCommand().filter((a) => !a.startsWith("--host=tcp") && !a.startsWith("--tls"));
        must("docker", ["run", "-d", "--name", `${id}-daemon`, "--privileged", "--init", "-e", "DOCKER_TLS_CERTDIR=", "--tmpfs", "/run:exec,mode=755", IMAGES.daemon.tag, ...command]);
        const hostId = must("docker", ["image", "inspect", "--format", "{{.Id}}", IMAGE]).stdout.trim();
        const inputs = { project: "p", daemonId: `${id}-daemon`, daemonName: `${id}-daemon`, daemonSeconds: 60, images: { [IMAGE]: hostId } };
        const progress = `/tmp/${id}-progress`;
        try {
            await imagePreloadProvider.create!({ ...inputs, progressFile: progress });
            assert.strictEqual(must("docker", ["exec", `${id}-daemon`, "docker", "image", "inspect", "--format", "{{.Id}}", IMAGE]).stdout.trim(), hostId);
            assert.match(fs.readFileSync(progress, "utf8"), new RegExp(`loading host image ${IMAGE.replace(/\./g, "\\.")} into the daemon \\(1 of 1 wanted\\)`));
            // Already there: the second preload only looks.
            fs.rmSync(progress, { force: true });
            await imagePreloadProvider.create!({ ...inputs, progressFile: progress });
            assert.doesNotMatch(fs.existsSync(progress) ? fs.readFileSync(progress, "utf8") : "", /loading/);
            // A host ID the daemon's image does not have (the host rebuilt it) fails after the load, naming both.
            const error = await imagePreloadProvider.create!({ ...inputs, images: { [IMAGE]: "sha256:0000" } }).then(() => "", (err: Error) => err.message);
            assert.match(error, new RegExp(`^project p: image ${IMAGE.replace(/\./g, "\\.")} in its daemon is ${hostId} after loading, but the host has sha256:0000$`));
        } finally {
            fs.rmSync(progress, { force: true });
        }
    });
});
