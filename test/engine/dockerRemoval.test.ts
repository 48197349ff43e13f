// The removal that replaces the Docker provider's delayed network and volume
// deletes (components/dockerRemoval.ts), against the real engine: it is
// created once the object exists, waits while a container still uses it,
// removes it once that container is gone, and treats an object that is
// already gone as removed; that a volume's removal force-removes the
// containers whose data it is (a daemon) first; and a container's removal.

import * as assert from "assert";
import { dockerRemovalProvider } from "../../components/dockerRemoval";
import { must, run } from "../support/pulumiCli";

/** A small image scripts/images.sh guarantees on the host. */
const IMAGE = "busybox:1.37";
const LABEL = "dind-compose.removal-test";
const id = `dc-removal-${process.pid}`;

function cleanUp(): void {
    run("docker", ["rm", "-f", `${id}-user`]);
    run("docker", ["volume", "rm", `${id}-volume`]);
    run("docker", ["network", "rm", `${id}-network`]);
}
const exists = (kind: string, name: string) => run("docker", [kind, "inspect", name]).code === 0;

describe("docker removal against the real engine", function () {
    this.timeout(120000);
    before(cleanUp);
    after(cleanUp);

    for (const kind of ["volume", "network"] as const) {
        it(`is created once the ${kind} exists, which may be after it starts waiting`, async () => {
            const name = `${id}-${kind}`;
            let created = false;
            const creating = dockerRemovalProvider.create!({ kind, objectName: name }).then(() => (created = true));
            await new Promise((resolve) => setTimeout(resolve, 700));
            assert.strictEqual(created, false, `created before the ${kind} existed`);
            must("docker", [kind, "create", "--label", LABEL, name]);
            const started = Date.now();
            await creating;
            assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms after the ${kind} appeared`);
            must("docker", [kind, "rm", name]);
        });


        it(`removes a ${kind} as soon as the container using it is gone, not before`, async () => {
            const name = `${id}-${kind}`;
            must("docker", [kind, "create", "--label", LABEL, name]);
            const use = kind === "volume" ? ["-v", `${name}:/data`] : ["--network", name];
            must("docker", ["run", "-d", "--name", `${id}-user`, "--label", LABEL, ...use, IMAGE, "sleep", "600"]);

            const removal = dockerRemovalProvider.delete!(`${kind}:${name}`, { kind, objectName: name });
            await new Promise((resolve) => setTimeout(resolve, 1000));
            assert.ok(exists(kind, name), `the ${kind} was removed while a container used it`);
            must("docker", ["rm", "-f", `${id}-user`]);
            const started = Date.now();
            await removal;
            assert.ok(!exists(kind, name), `the ${kind} is still there`);
            assert.ok(Date.now() - started < 5000, `removal took ${Date.now() - started} ms after the container went`);
        });

        it(`treats a ${kind} that is already gone as removed`, async () => {
            await dockerRemovalProvider.delete!(`${kind}:x`, { kind, objectName: `${id}-missing-${kind}` });
        });
    }

    it("as a container's removal: is created at once (before its container), force-removes the container, and treats a missing one as removed", async () => {
        const name = `${id}-user`;
        const started = Date.now();
        await dockerRemovalProvider.create!({ kind: "container", objectName: name });
        assert.ok(Date.now() - started < 1000, `creating waited ${Date.now() - started} ms for a container that comes after it`);
        // `sleep` as PID 1 ignores SIGTERM: a graceful stop would wait its whole grace period.
        must("docker", ["run", "-d", "--name", name, "--label", LABEL, IMAGE, "sleep", "600"]);
        const removing = Date.now();
        await dockerRemovalProvider.delete!(`container:${name}`, { kind: "container", objectName: name });
        assert.ok(!exists("container", name), "the container is still there");
        assert.ok(Date.now() - removing < 5000, `removal took ${Date.now() - removing} ms`);
        await dockerRemovalProvider.delete!(`container:${name}`, { kind: "container", objectName: name });
    });

    it("force-removes the containers a volume's data belongs to, without their graceful stop, then the volume", async () => {
        const name = `${id}-volume`;
        must("docker", ["volume", "create", "--label", LABEL, name]);
        // `sleep` as PID 1 ignores SIGTERM: a graceful stop would wait its whole grace period.
        must("docker", ["run", "-d", "--name", `${id}-user`, "--label", LABEL, "-v", `${name}:/data`, IMAGE, "sleep", "600"]);
        const started = Date.now();
        await dockerRemovalProvider.delete!(`volume:${name}`, { kind: "volume", objectName: name, containers: [`${id}-user`, `${id}-never-created`] });
        assert.ok(!exists("container", `${id}-user`), "the container is still there");
        assert.ok(!exists("volume", name), "the volume is still there");
        assert.ok(Date.now() - started < 5000, `removal took ${Date.now() - started} ms`);
    });
});
