// Checks a container once it is created: it must be running, and a command run
// in it (`nginx -t -q` for the proxy) must succeed. `pulumi up` fails
// otherwise, with the command's own words or the container's last output.
//
// Why not the Docker provider's `wait` on a Docker health check: the first
// check runs only one interval after the start and the provider looks once a
// second, which made the proxy's create take 4–5 s of every cold up; and the
// health check then runs forever, a `docker exec` every interval (the proxy's,
// every 2 s, cost the host 3–4 % of a core while the stack sat idle). This
// runs the command once, right after the container is created, and again only
// when the container is replaced (a new ID).
//
// A dynamic resource that runs the host's `docker` CLI against the same
// engine the Docker provider uses. Pulumi runs its provider in another process,
// which loads it from this module (components/dynamicResource.ts).

import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./dynamicResource";
import { containerOutput, runCommand } from "../lib/runCommand";

export interface ContainerCheckArgs {
    /** ID of the container to check (a new one re-runs the check). */
    readonly containerId: pulumi.Input<string>;
    /** The container's name, for messages. */
    readonly containerName: pulumi.Input<string>;
    /** What the container is, for messages: "the stack's proxy". */
    readonly what: pulumi.Input<string>;
    /** The command run in the container; it must exit 0. */
    readonly command: pulumi.Input<pulumi.Input<string>[]>;
    /** How long the container may take to be running (it may be restarting). */
    readonly timeoutSeconds: pulumi.Input<number>;
}

interface Inputs {
    containerId: string;
    containerName: string;
    what: string;
    command: string[];
    timeoutSeconds: number;
}

/** Until the container runs (bounded), then the command once: its failure is final (a configuration does not fix itself). */
async function check(inputs: Inputs): Promise<void> {
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    const name = `${inputs.what} ${inputs.containerName}`;
    for (;;) {
        const state = (await runCommand("docker", ["inspect", "--format", "{{.State.Status}} (exit code {{.State.ExitCode}})", inputs.containerId], 10000).catch(() => "missing")).trim();
        if (state.startsWith("running")) {
            break;
        }
        if (Date.now() >= deadline || state === "missing" || state.startsWith("exited") || state.startsWith("dead")) {
            const logs = await containerOutput(inputs.containerId, 20, 10000);
            throw new Error(`${name} is ${state}. Its last output (docker logs ${inputs.containerName}):\n${logs}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
        await runCommand("docker", ["exec", inputs.containerId, ...inputs.command], 30000);
    } catch (err: any) {
        throw new Error(`${name}: \`${inputs.command.join(" ")}\` failed in it: ${err.message}`);
    }
}

/** Exported for the dynamic-provider host (through its stub) and for the tests that run it against the engine. */
export const containerCheckProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
        await check(inputs);
        return { id: `check:${inputs.containerId.slice(0, 12)}`, outs: inputs };
    },
    async diff(_id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.DiffResult> {
        // A new container (or a different check) is checked again; names and bounds are only words.
        const replaces = olds.containerId !== news.containerId || JSON.stringify(olds.command) !== JSON.stringify(news.command) ? ["containerId"] : [];
        const changes = replaces.length > 0 || olds.containerName !== news.containerName || olds.what !== news.what || olds.timeoutSeconds !== news.timeoutSeconds;
        return { changes, replaces, deleteBeforeReplace: true };
    },
    async update(_id: string, _olds: Inputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult> {
        return { outs: news };
    },
    async delete(): Promise<void> {
        // Nothing to remove: the container is its own resource.
    },
};

export class ContainerCheck extends DynamicResource {
    constructor(name: string, args: ContainerCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super({ file: __filename, exported: "containerCheckProvider" }, "ContainerCheck", name, { ...args }, opts);
    }
}
