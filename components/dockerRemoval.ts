// A Docker network or volume as the containers using it see it: created
// once the object exists, and removing it, once they are gone, when the stack
// (or the project owning it) goes away: `docker network rm` / `docker volume
// rm`, retried while Docker still says it is in use, bounded.
//
// Why it exists: the Docker provider waits a fixed 2 s after every network
// create and before every network or volume delete, whatever the engine is
// doing; a cold up paid it once and a teardown twice in a row. The
// docker.Network and docker.Volume resources keep creating (and, for volumes,
// owning) the objects, but are `retainOnDelete`, and this resource, which
// everything that uses the object depends on, waits for the object to exist
// (polled, not a fixed wait) and does the removal instead. So the order stays
// safe: a container using the object is created after it exists and deleted
// before it is removed, and a daemon's data volume is removed only when its
// project leaves the stack or the stack is destroyed, exactly as before.
//
// It never plans a replacement (a replacement would delete the object under
// the containers using it): its name cannot change without its owner's
// changing, and a change of inputs is an in-place update that removes
// nothing.
//
// A volume's removal may also name the containers whose data it is (a
// project's daemon and runner, the mirror): they are `deletedWith` the
// removal, so when the volume goes (the stack is destroyed, or the project
// leaves it) Pulumi skips their own deletes, graceful stops (a daemon's of up
// to 30 s) that would protect nothing about to be removed anyway, and the
// removal force-removes them (`docker rm -f -v`) just before the volume.
// When only such a container is replaced (a config edit, an image bump), the
// volume stays, this removal is not deleted, and the container's own delete
// stops it gracefully as before.
//
// A container's removal (kind "container") is the same teardown for a
// container that holds nothing worth a graceful stop (the proxy): the
// container is `deletedWith` it, so a destroy force-removes the container when
// the removal goes, which can be scheduled in an earlier wave than the
// container's own delete (Pulumi deletes in waves by dependency height, and the
// proxy's certificate chain made its container's wave one of its own). It is
// created before the container and waits for nothing; when only the container
// is replaced, the container's own delete stops it gracefully.
//
// A dynamic resource that runs the host's `docker` CLI against the same
// engine the Docker provider uses. Pulumi runs its provider in another process,
// which loads it from this module (components/dynamicResource.ts).

import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./dynamicResource";
import { runCommand } from "../lib/runCommand";

export type DockerObjectKind = "network" | "volume" | "container";

export interface DockerRemovalArgs {
    readonly kind: DockerObjectKind;
    /** The network's, volume's or container's name. */
    readonly objectName: pulumi.Input<string>;
    /** Names of containers to force-remove just before the object (a network or volume): give them `deletedWith` this removal. */
    readonly containers?: pulumi.Input<pulumi.Input<string>[]>;
}

interface Inputs {
    kind: DockerObjectKind;
    objectName: string;
    containers?: string[];
}

/** How long a removal keeps retrying while Docker says the object is still in use. */
const IN_USE_SECONDS = 30;
/** How long creating waits for the object to exist (its docker.Network or docker.Volume creates it). */
const EXISTS_SECONDS = 60;

/** Until `docker network|volume inspect` finds the object, ten times a second, bounded. */
async function waitForObject(inputs: Inputs): Promise<void> {
    const deadline = Date.now() + EXISTS_SECONDS * 1000;
    for (;;) {
        try {
            await runCommand("docker", [inputs.kind, "inspect", "--format", "{{.Name}}", inputs.objectName], 30000);
            return;
        } catch (err: any) {
            if (Date.now() >= deadline) {
                throw new Error(`Docker ${inputs.kind} ${inputs.objectName} does not exist after ${EXISTS_SECONDS}s: ${err.message}`);
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/** `docker rm -f -v` of the named containers, which go with `inputs`' object; one that is already gone counts as removed. */
async function forceRemove(inputs: Inputs): Promise<void> {
    const names = inputs.containers ?? [];
    // One `docker rm` each, at once: the CLI removes the containers it is given one after the other.
    const failures = await Promise.all(
        names.map((name) =>
            runCommand("docker", ["rm", "--force", "--volumes", name], 60000).then(
                () => "",
                (err: any) =>
                    String(err.message)
                        .split("\n")
                        .filter((line) => line.trim() !== "" && !/no such container/i.test(line))
                        .join("\n"),
            ),
        ),
    );
    const problems = failures.filter((f) => f !== "");
    if (problems.length > 0) {
        const what = inputs.kind === "container" ? "" : ` before Docker ${inputs.kind} ${inputs.objectName}`;
        throw new Error(`removing container(s) ${names.join(", ")}${what} failed: ${problems.join("\n")}`);
    }
}

async function remove(inputs: Inputs): Promise<void> {
    if (inputs.kind === "container") {
        await forceRemove({ ...inputs, containers: [inputs.objectName] });
        return;
    }
    await forceRemove(inputs);
    const deadline = Date.now() + IN_USE_SECONDS * 1000;
    for (;;) {
        try {
            await runCommand("docker", [inputs.kind, "rm", inputs.objectName], 60000);
            return;
        } catch (err: any) {
            const message = String(err.message);
            if (/no such (network|volume)|not found/i.test(message)) {
                return;
            }
            if (!/in use|active endpoints/i.test(message) || Date.now() >= deadline) {
                throw new Error(`removing Docker ${inputs.kind} ${inputs.objectName} failed: ${message}`);
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

/** Exported for the dynamic-provider host (through its stub) and for the tests that run it against the engine. */
export const dockerRemovalProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
        // The object itself is created by its docker.Network or docker.Volume resource, which need not have
        // finished (the network's waits 2 s after creating it): its users need only the object. A container
        // is created after its removal, which it is deleted with.
        if (inputs.kind !== "container") {
            await waitForObject(inputs);
        }
        return { id: `${inputs.kind}:${inputs.objectName}`, outs: inputs };
    },
    async diff(_id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.DiffResult> {
        // The containers are compared too: a delete gets the stored outputs, so they must be recorded.
        const changes = olds.kind !== news.kind || olds.objectName !== news.objectName || JSON.stringify(olds.containers ?? []) !== JSON.stringify(news.containers ?? []);
        return { changes, replaces: [], deleteBeforeReplace: false };
    },
    async update(_id: string, _olds: Inputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: news };
    },
    async delete(_id: string, props: Inputs): Promise<void> {
        await remove(props);
    },
};

export class DockerRemoval extends DynamicResource {
    /** The network's, volume's or container's name. */
    public readonly objectName!: pulumi.Output<string>;

    constructor(name: string, args: DockerRemovalArgs, opts?: pulumi.CustomResourceOptions) {
        super({ file: __filename, exported: "dockerRemovalProvider" }, "DockerRemoval", name, { ...args }, opts);
    }

    /**
     * `name` (the object's name as its docker.Network or docker.Volume gives it) carrying a dependency on
     * this removal too: whatever uses it is created after the object and deleted before the removal runs.
     * Known whenever `name` is (a URN is known even in a preview), so a preview shows no change where there
     * is none.
     */
    forUsers(name: pulumi.Output<string>): pulumi.Output<string> {
        return pulumi.all([name, this.urn]).apply(([value]) => value);
    }
}
