// One configured compose project, side by side with the others: its TLS
// material, its data volume, its daemon, the host images loaded into it, and
// its runner.

import * as pulumi from "@pulumi/pulumi";
import { ProjectSettings } from "../lib/config";
import { labelsFor, projectNames } from "../lib/names";
import { Daemon, RegistryMirrorRef } from "./daemon";
import { DataVolume } from "./dataVolume";
import { followProgress, progressFile } from "./followProgress";
import { ImagePreload } from "./imagePreload";
import { ProjectTls } from "./projectTls";
import { Runner } from "./runner";

export interface ComposeProjectArgs {
    /** The stack the project belongs to (names and labels). */
    readonly stack: string;
    /** The validated project settings. */
    readonly settings: ProjectSettings;
    /** Image IDs of the daemon and runner images. */
    readonly daemonImage: pulumi.Input<string>;
    readonly runnerImage: pulumi.Input<string>;
    /** The stack's edge network. */
    readonly networkName: pulumi.Input<string>;
    /** The stack's registry mirror, when enabled. */
    readonly mirror?: RegistryMirrorRef;
    /** Host images to load into the daemon: image ID per reference. */
    readonly preload: Record<string, string>;
    /** The stack's CA (it signs every route's certificate), handed to the services when the project opts in. */
    readonly stackCaPem: pulumi.Input<string>;
    /** Bounded waits for the daemon and for compose. */
    readonly daemonSeconds: number;
    readonly composeSeconds: number;
}

export class ComposeProject extends pulumi.ComponentResource {
    /** The daemon's alias on the edge network: what nginx proxies to. */
    public readonly daemonAlias: string;
    public readonly daemonContainerName: pulumi.Output<string>;
    public readonly runnerContainerName: pulumi.Output<string>;
    /** `tcp://127.0.0.1:<port>` when the daemon's TLS socket is published. */
    public readonly dockerHost: pulumi.Output<string | undefined>;
    /** What a client trusts as its CA (the daemon's own certificate), the client certificate (public) and key (secret). */
    public readonly caCertPem: pulumi.Output<string>;
    public readonly clientCertPem: pulumi.Output<string>;
    public readonly clientKeyPem: pulumi.Output<string>;

    constructor(name: string, args: ComposeProjectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:ComposeProject", name, {}, opts);

        const { stack, settings } = args;
        const project = settings.name;
        const names = projectNames(stack, project);
        this.daemonAlias = names.alias;
        // What the daemon wait, the image loading and compose are doing shows on this component's row.
        const progress = progressFile(stack, project);

        const tls = new ProjectTls(`${name}-tls`, { stack, project, daemonDnsNames: [names.alias] }, { parent: this });
        // The volume's removal takes the daemon and the runner with it: stopping them gracefully protects
        // nothing when the project's data is removed next (a destroy, or the project leaving the stack). A
        // daemon or runner replaced on its own, whose volume stays, still stops gracefully.
        const data = new DataVolume(
            `${name}-data`,
            { volumeName: names.data, labels: labelsFor(stack, "daemon-data", project), owners: [names.daemon, names.runner] },
            { parent: this },
        );
        const daemon = new Daemon(
            `${name}-daemon`,
            {
                containerName: names.daemon,
                image: args.daemonImage,
                labels: labelsFor(stack, "daemon", project),
                networkName: args.networkName,
                alias: names.alias,
                mounts: settings.mounts,
                dataVolumeName: data.volumeName,
                clientCertPem: tls.client.certPem,
                serverCertPem: tls.server.certPem,
                serverKeyPem: tls.server.privateKeyPem,
                mirror: args.mirror,
                dockerPort: settings.dockerPort,
                deletedWith: data.removal,
            },
            { parent: this },
        );
        // Compose must find the host's images in the daemon before it looks for them anywhere else: the
        // runner, created alongside the daemon, starts compose once its readiness check, which follows the
        // preload, says they are there. The preload also waits for a new daemon to answer, so it is what
        // `pulumi up` waits on for the daemon.
        const preload = new ImagePreload(
            `${name}-images`,
            { project, daemonId: daemon.containerId, daemonName: names.daemon, images: args.preload, daemonSeconds: args.daemonSeconds, progressFile: progress },
            { parent: this },
        );
        const runner = new Runner(
            `${name}-runner`,
            {
                project,
                containerName: names.runner,
                image: args.runnerImage,
                labels: labelsFor(stack, "runner", project),
                networkName: args.networkName,
                daemonHost: names.alias,
                projectDir: settings.dir,
                mounts: settings.mounts,
                composeFiles: settings.compose.files,
                profiles: settings.profiles,
                envFiles: settings.envFiles,
                stackCaPem: settings.trustStackCa ? args.stackCaPem : undefined,
                environment: settings.environment,
                composeDigest: settings.compose.digest,
                services: settings.compose.services,
                daemonCertPem: tls.server.certPem,
                clientCertPem: tls.client.certPem,
                clientKeyPem: tls.client.privateKeyPem,
                daemonSeconds: args.daemonSeconds,
                composeSeconds: args.composeSeconds,
                progressFile: progress,
                imagesLoaded: preload,
                deletedWith: data.removal,
            },
            { parent: this },
        );
        followProgress(progress, this, runner.ready);

        this.daemonContainerName = daemon.containerName;
        this.runnerContainerName = runner.containerName;
        this.dockerHost = daemon.hostDockerHost;
        this.caCertPem = tls.server.certPem;
        this.clientCertPem = tls.client.certPem;
        this.clientKeyPem = tls.client.privateKeyPem;
        this.registerOutputs({
            daemonContainerName: this.daemonContainerName,
            runnerContainerName: this.runnerContainerName,
            dockerHost: this.dockerHost,
        });
    }
}
