// A project's runner: a Docker CLI + Compose v2 container that drives its own
// daemon over TLS. Its entrypoint is lib/runner.sh (under Docker's init, which
// forwards signals): it runs `docker compose up --build --remove-orphans` from
// the project directory (mounted at its host path), waits for the services,
// and stays up following the project's logs, so `docker logs <runner>` shows
// the project's output. It reports through a status file (lib/runnerStatus.ts)
// that the readiness check of `pulumi up` and `dind-compose status` read.
//
// Its readiness check carries a digest of the project's normalised compose
// model and the list of its services: editing the compose file updates that
// check (and nothing else), which is exactly what `pulumi preview` shows, and
// the update has this runner run compose up again (components/composeReadiness.ts);
// the container itself is replaced only when how it runs compose changes
// (files, profiles, environment, certificates, image).

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { toLabelList } from "../lib/names";
import { ParityMount } from "../lib/pathParity";
import { RUNNER_PATHS, runnerEntrypoint, runnerEnvironment, toEnvList } from "../lib/runnerScript";
import { RUNNER_IMAGES_LOADED_FILE, RUNNER_MODEL_CHANGED_SIGNAL, RUNNER_REPORTED_FILE, RUNNER_RETRY_SIGNAL, RUNNER_STATUS_FILE } from "../lib/runnerStatus";
import { ComposeReadiness } from "./composeReadiness";
import { DAEMON_TLS_PORT } from "./daemon";
import { stackCaOverride } from "../lib/stackCa";
import { tlsBundleUpload } from "./projectTls";

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
    /** Every host path the project uses (its directory among them), each mounted at its own path. */
    readonly mounts: readonly ParityMount[];
    /** Absolute paths of the compose files, in compose's order (later files override earlier ones). */
    readonly composeFiles: string[];
    /** Compose profiles to activate (COMPOSE_PROFILES); none: the project's own .env decides. */
    readonly profiles?: string[];
    /** Env files replacing the project's `.env` (COMPOSE_ENV_FILES). */
    readonly envFiles?: string[];
    /** The stack's CA, handed to every service through an override file applied after the project's own (lib/stackCa.ts). */
    readonly stackCaPem?: pulumi.Input<string>;
    /** Extra variables for compose's interpolation, set in the runner's environment. */
    readonly environment?: Record<string, string>;
    /** What loads the host's images into the daemon (the image preload): compose starts after it. */
    readonly imagesLoaded: pulumi.Resource;
    /** Digest of the normalised compose model. */
    readonly composeDigest: string;
    /** Service names of the compose project. */
    readonly services: string[];
    /** The daemon's certificate (the one it trusts), its own client certificate and key (secret). */
    readonly daemonCertPem: pulumi.Input<string>;
    readonly clientCertPem: pulumi.Input<string>;
    readonly clientKeyPem: pulumi.Input<string>;
    /** Bounded wait for the daemon, and for compose. */
    readonly daemonSeconds: number;
    readonly composeSeconds: number;
    /** Where the readiness check writes the project's phase for the progress display (lib/progress.ts). */
    readonly progressFile?: string;
    /** What removes the container along with the project's data (its data volume's removal), skipping its graceful stop. */
    readonly deletedWith?: pulumi.Resource;
}

export class Runner extends pulumi.ComponentResource {
    /** The runner's container name (`docker logs` it for the project's output). */
    public readonly containerName: pulumi.Output<string>;
    /** Known once compose is up (or was already). */
    public readonly ready: pulumi.Output<string>;

    constructor(name: string, args: RunnerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Runner", name, {}, opts);

        const environment = runnerEnvironment({
            project: args.project,
            dockerHost: `tcp://${args.daemonHost}:${DAEMON_TLS_PORT}`,
            certPath: RUNNER_PATHS.certs,
            composeFiles: args.stackCaPem !== undefined ? [...args.composeFiles, RUNNER_PATHS.stackCaOverride] : args.composeFiles,
            profiles: args.profiles,
            envFiles: args.envFiles,
            environment: args.environment,
            daemonSeconds: args.daemonSeconds,
            composeSeconds: args.composeSeconds,
            statusFile: RUNNER_STATUS_FILE,
        });
        const container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: args.image,
                entrypoints: runnerEntrypoint(),
                init: true,
                envs: toEnvList(environment),
                workingDir: args.projectDir,
                labels: toLabelList(args.labels),
                mounts: args.mounts.map((m) => ({ type: "bind", source: m.source, target: m.target, readOnly: m.readOnly })),
                uploads: [
                    // lib/runner.sh lays out DOCKER_CERT_PATH from it.
                    tlsBundleUpload(RUNNER_PATHS.certs, args.daemonCertPem, args.clientCertPem, args.clientKeyPem),
                    ...(args.stackCaPem !== undefined
                        ? [{ file: RUNNER_PATHS.stackCaOverride, content: pulumi.output(args.stackCaPem).apply((pem) => stackCaOverride(args.services, pem)) }]
                        : []),
                ],
                networksAdvanced: [{ name: args.networkName }],
                restart: "unless-stopped",
                // No Docker health check (a `docker exec` every few seconds, forever): its status file says
                // how compose is doing, and `dind-compose status` reads it.
                // The script stops within a second of SIGTERM in every state; the rest is slack.
                destroyGraceSeconds: 3,
            },
            // Created alongside the daemon: the script waits for the daemon, and for the readiness check to say
            // the host's images are in it, before compose starts.
            { parent: this, deleteBeforeReplace: true, deletedWith: args.deletedWith },
        );

        // `pulumi up` succeeds only once compose is up; a failing compose fails it, naming the project.
        const readiness = new ComposeReadiness(
            `${name}-ready`,
            {
                project: args.project,
                runnerId: container.id,
                runnerName: container.name,
                statusFile: RUNNER_STATUS_FILE,
                imagesLoadedFile: RUNNER_IMAGES_LOADED_FILE,
                reportedFile: RUNNER_REPORTED_FILE,
                retrySignal: RUNNER_RETRY_SIGNAL,
                modelChangedSignal: RUNNER_MODEL_CHANGED_SIGNAL,
                composeDigest: args.composeDigest,
                services: args.services,
                timeoutSeconds: args.daemonSeconds + args.composeSeconds + 30,
                progressFile: args.progressFile,
            },
            // Only once the host's images are in the daemon: its first act is to tell the runner so.
            { parent: this, dependsOn: [args.imagesLoaded] },
        );

        this.containerName = container.name;
        this.ready = readiness.id;
        this.registerOutputs({ containerName: this.containerName });
    }
}
