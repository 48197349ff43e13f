// Makes `pulumi up` follow a project's runner until compose is up: it
// succeeds when the runner reports "ok" and fails as soon as the runner
// reports a failure, with the project's name and the tail of compose's own
// output in the error. (The Docker provider's own health wait can only time
// out, after up to daemonSeconds + composeSeconds, saying nothing about why.)
//
// It is a dynamic resource that runs the host's `docker` CLI against the same
// engine the Docker provider uses (DOCKER_HOST and friends apply to both). It
// has nothing to create or delete; it is re-checked whenever its runner is
// replaced, that is whenever the project's compose definition changes.

import * as pulumi from "@pulumi/pulumi";

export interface ComposeReadinessArgs {
    /** The project, for messages. */
    readonly project: pulumi.Input<string>;
    /** ID of the runner container to follow. */
    readonly runnerId: pulumi.Input<string>;
    /** Path of the runner's status file inside the container. */
    readonly statusFile: pulumi.Input<string>;
    /** Upper bound on the wait; the runner's own bounded waits normally end it sooner. */
    readonly timeoutSeconds: pulumi.Input<number>;
}

interface Inputs {
    project: string;
    runnerId: string;
    statusFile: string;
    timeoutSeconds: number;
}

// Everything the provider uses is required inside its functions: Pulumi
// serialises them into the state and runs them in a separate process.
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
        const { execFileSync } = require("child_process");
        const docker = (args: string[]): string => execFileSync("docker", args, { encoding: "utf8", timeout: 30000, stdio: ["ignore", "pipe", "pipe"] });
        const logTail = (): string => {
            try {
                // The container's stderr (where compose reports errors) comes out on docker's stderr: merge them in order.
                return execFileSync("sh", ["-c", 'docker logs --tail 25 "$1" 2>&1', "sh", inputs.runnerId], { encoding: "utf8", timeout: 30000 })
                    .toString()
                    .trimEnd();
            } catch (err) {
                return `(docker logs failed: ${err})`;
            }
        };
        const started = Date.now();
        let status = "starting";
        while (Date.now() - started < inputs.timeoutSeconds * 1000) {
            const state = docker(["inspect", "-f", "{{.State.Status}}", inputs.runnerId]).trim();
            if (state === "exited" || state === "dead") {
                throw new Error(`project ${inputs.project}: its runner container stopped (${state}). Its last output:\n${logTail()}`);
            }
            try {
                status = docker(["exec", inputs.runnerId, "cat", inputs.statusFile]).trim();
            } catch {
                status = "starting"; // the runner has not written its status yet
            }
            if (status === "ok") {
                return { id: `${inputs.project}-${inputs.runnerId.slice(0, 12)}`, outs: inputs };
            }
            if (status.startsWith("failed")) {
                throw new Error(`project ${inputs.project}: ${status.replace(/^failed: /, "")}. Compose's output (docker logs ${inputs.runnerId.slice(0, 12)}):\n${logTail()}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        throw new Error(`project ${inputs.project}: compose was not up after ${inputs.timeoutSeconds}s (last status: ${status}). Its last output:\n${logTail()}`);
    },

    async diff(_id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = olds.runnerId !== news.runnerId || olds.project !== news.project ? ["runnerId"] : [];
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },

    async delete(): Promise<void> {
        // Nothing to remove: the runner container is its own resource.
    },
};

export class ComposeReadiness extends pulumi.dynamic.Resource {
    constructor(name: string, args: ComposeReadinessArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args }, opts, "dind-compose", "ComposeReadiness");
    }
}
