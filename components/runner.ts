// A project's runner: a Docker CLI + Compose v2 container that drives its own
// daemon over TLS. It runs `docker compose up --build --remove-orphans` from
// the project directory (mounted at its host path) and stays up following the
// project's logs, so `docker logs <runner>` shows the project's output.
//
// It carries a digest of the project's normalised compose model and the list
// of its services as labels: editing the compose file changes this container
// (and nothing else), which is exactly what `pulumi preview` shows.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, toLabelList } from "../lib/names";
import { RUNNER_PATHS, renderRunnerScript } from "../lib/runnerScript";
import { ComposeReadiness } from "./composeReadiness";
import { DAEMON_TLS_PORT } from "./daemon";
import { certDirUploads } from "./projectTls";

export interface RunnerArgs {
    /** Project name (compose project name and message prefix). */
    readonly project: string;
    /** Container name, derived from stack and project. */
    readonly containerName: string;
    /** Image ID of the Docker CLI + Compose image. */
    readonly image: pulumi.Input<string>;
    /** Labels for stack, project and role. */
    readonly labels: Record<string, string>;
    /** The stack's edge network. */
    readonly networkName: pulumi.Input<string>;
    /** The daemon's network alias. */
    readonly daemonHost: string;
    /** Absolute host path of the project, mounted at the same path and used as working directory. */
    readonly projectDir: string;
    /** Absolute path of the compose file. */
    readonly composeFile: string;
    /** Digest of the normalised compose model. */
    readonly composeDigest: string;
    /** Service names of the compose project. */
    readonly services: string[];
    /** Project CA, client certificate and client key (secret). */
    readonly caCertPem: pulumi.Input<string>;
    readonly clientCertPem: pulumi.Input<string>;
    readonly clientKeyPem: pulumi.Input<string>;
    /** Bounded wait for the daemon, and for compose. */
    readonly daemonSeconds: number;
    readonly composeSeconds: number;
}

export class Runner extends pulumi.ComponentResource {
    /** The runner's container name (`docker logs` it for the project's output). */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: RunnerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Runner", name, {}, opts);

        const script = renderRunnerScript({
            project: args.project,
            composeFile: args.composeFile,
            daemonSeconds: args.daemonSeconds,
            composeSeconds: args.composeSeconds,
        });
        const labels = {
            ...args.labels,
            [LABELS.composeDigest]: args.composeDigest,
            [LABELS.services]: args.services.join(","),
        };

        const container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: args.image,
                entrypoints: [RUNNER_PATHS.script],
                init: true,
                envs: [
                    `DOCKER_HOST=tcp://${args.daemonHost}:${DAEMON_TLS_PORT}`,
                    "DOCKER_TLS_VERIFY=1",
                    `DOCKER_CERT_PATH=${RUNNER_PATHS.certs}`,
                ],
                workingDir: args.projectDir,
                labels: toLabelList(labels),
                mounts: [{ type: "bind", source: args.projectDir, target: args.projectDir }],
                uploads: [
                    { file: RUNNER_PATHS.script, content: script, executable: true },
                    ...certDirUploads(RUNNER_PATHS.certs, args.caCertPem, args.clientCertPem, args.clientKeyPem),
                ],
                networksAdvanced: [{ name: args.networkName }],
                restart: "unless-stopped",
                healthcheck: {
                    tests: ["CMD-SHELL", `grep -qx ok ${RUNNER_PATHS.status}`],
                    interval: "3s",
                    timeout: "3s",
                    retries: 2,
                },
                destroyGraceSeconds: 10,
            },
            { parent: this, deleteBeforeReplace: true },
        );

        // `pulumi up` succeeds only once compose is up; a failing compose fails it, naming the project.
        new ComposeReadiness(
            `${name}-ready`,
            {
                project: args.project,
                runnerId: container.id,
                statusFile: RUNNER_PATHS.status,
                timeoutSeconds: args.daemonSeconds + args.composeSeconds + 30,
            },
            { parent: this },
        );

        this.containerName = container.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
