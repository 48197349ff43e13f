// A project's Docker-in-Docker daemon: a privileged dind container running
// `dockerd --tlsverify` on 2376 (TLS with client verification, never the plain
// 2375) plus its local unix socket, which the image preload and `dind-compose
// status` ask from inside the container whether it answers. dockerd runs on a
// containerd started just before it (lib/daemon.sh: it answers a second
// sooner than with a containerd of its own). Its
// /var/lib/docker is the project's data volume, and every host path the
// project's compose model uses (its directory, bind sources, build contexts,
// env files...) is mounted at the same absolute path it has on the host (the
// path-parity rule), so `./web` or `../shared` in a compose file mean the same
// directory to the runner, the daemon and the host.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { toLabelList } from "../lib/names";
import { ParityMount } from "../lib/pathParity";
import { scriptWithoutComments } from "../lib/shellScript";
import { tlsBundleUpload } from "./projectTls";

/** Where the daemon finds its TLS material. */
export const DAEMON_CERT_DIR = "/certs/server";
/** The daemon's TLS port; there is no other TCP listener. */
export const DAEMON_TLS_PORT = 2376;

export interface RegistryMirrorRef {
    /** `host:port` of the mirror on the edge network. */
    readonly address: string;
    /** CA certificate the mirror's certificate is signed by. */
    readonly caCertPem: pulumi.Input<string>;
}

export interface DaemonArgs {
    /** Container name, derived from stack and project. */
    readonly containerName: string;
    /** Image ID of the dind image. */
    readonly image: pulumi.Input<string>;
    /** Labels for stack, project and role. */
    readonly labels: Record<string, string>;
    /** The stack's edge network. */
    readonly networkName: pulumi.Input<string>;
    /** Network alias nginx and the runner use to reach the daemon. */
    readonly alias: string;
    /** Every host path the project uses, each mounted at its own path (the path-parity rule). */
    readonly mounts: readonly ParityMount[];
    /** Volume mounted at /var/lib/docker. */
    readonly dataVolumeName: pulumi.Input<string>;
    /** The one certificate it accepts from clients (its runner's), its own certificate, and its key (secret). */
    readonly clientCertPem: pulumi.Input<string>;
    readonly serverCertPem: pulumi.Input<string>;
    readonly serverKeyPem: pulumi.Input<string>;
    /** The stack's registry mirror, when enabled. */
    readonly mirror?: RegistryMirrorRef;
    /** Host port on 127.0.0.1 publishing the TLS socket, when wanted. */
    readonly dockerPort?: number;
    /** What removes the container along with its data (its data volume's removal), skipping its graceful stop. */
    readonly deletedWith?: pulumi.Resource;
}

/** The script starting containerd, then dockerd on it, with dockerd's flags as its arguments. */
export const DAEMON_SCRIPT_SOURCE = path.join(__dirname, "..", "lib", "daemon.sh");

/**
 * The daemon container's command: the image's `dind` setup, then lib/daemon.sh (its whole-line comments left out,
 * as the command is what `docker inspect` shows) with the flags of {@link dockerdFlags}.
 */
export function daemonCommand(mirrorAddress?: string): string[] {
    return ["dind", "sh", "-c", scriptWithoutComments(DAEMON_SCRIPT_SOURCE), "dind-compose-daemon", ...dockerdFlags(mirrorAddress)];
}

/** dockerd's flags: TLS-verified TCP plus the local unix socket, nothing else. */
export function dockerdFlags(mirrorAddress?: string): string[] {
    const flags = [
        "--host=unix:///var/run/docker.sock",
        `--host=tcp://0.0.0.0:${DAEMON_TLS_PORT}`,
        "--tlsverify",
        `--tlscacert=${DAEMON_CERT_DIR}/ca.pem`,
        `--tlscert=${DAEMON_CERT_DIR}/cert.pem`,
        `--tlskey=${DAEMON_CERT_DIR}/key.pem`,
    ];
    if (mirrorAddress !== undefined) {
        flags.push(`--registry-mirror=https://${mirrorAddress}`);
    }
    return flags;
}

export class Daemon extends pulumi.ComponentResource {
    /** The daemon's container name. */
    public readonly containerName: pulumi.Output<string>;
    /** The daemon container's ID (changes when it is replaced). */
    public readonly containerId: pulumi.Output<string>;
    /** `tcp://127.0.0.1:<port>` when the TLS socket is published on the host. */
    public readonly hostDockerHost: pulumi.Output<string | undefined>;

    constructor(name: string, args: DaemonArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Daemon", name, {}, opts);

        const uploads = [tlsBundleUpload(DAEMON_CERT_DIR, args.clientCertPem, args.serverCertPem, args.serverKeyPem)];
        if (args.mirror !== undefined) {
            // dockerd trusts a registry's CA from certs.d/<host:port>/, so the mirror needs no insecure flag.
            uploads.push({ file: `/etc/docker/certs.d/${args.mirror.address}/ca.crt`, content: args.mirror.caCertPem });
        }

        const container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: args.image,
                privileged: true,
                // Docker's init as PID 1: it passes SIGTERM on to the script, and reaps the containerd shims
                // that outlive their containers.
                init: true,
                command: daemonCommand(args.mirror?.address),
                // The official image would otherwise generate its own certificates and listen on its own terms;
                // lib/daemon.sh lays out ours from the uploaded bundle in DC_TLS_DIR.
                envs: ["DOCKER_TLS_CERTDIR=", `DC_TLS_DIR=${DAEMON_CERT_DIR}`],
                labels: toLabelList(args.labels),
                mounts: [
                    { type: "volume", source: args.dataVolumeName, target: "/var/lib/docker" },
                    ...args.mounts.map((m) => ({ type: "bind", source: m.source, target: m.target, readOnly: m.readOnly })),
                ],
                // dind's setup mounts a fresh tmpfs on /tmp unless /tmp already is a mount, which would hide a
                // project living under /tmp; with our own tmpfs there the project is mounted on top of it.
                // /run (also /var/run) is fresh on every start: a daemon that died (killed, out of memory, the
                // host rebooted) leaves its pid files there, and containerd's refuses to start while any process
                // has that PID, so the restarted daemon failed over and over.
                tmpfs: { "/tmp": "", "/run": "exec,mode=755" },
                uploads,
                networksAdvanced: [{ name: args.networkName, aliases: [args.alias] }],
                ports: args.dockerPort !== undefined ? [{ internal: DAEMON_TLS_PORT, external: args.dockerPort, ip: "127.0.0.1" }] : [],
                restart: "unless-stopped",
                // No Docker health check: one every few seconds is a `docker exec` into every daemon, forever,
                // which cost an idle stack of two projects a tenth of a core. `pulumi up` waits on the daemon
                // through the image preload (which fails with the daemon's log when it does not answer in
                // time), and `dind-compose status` asks the daemon itself.
                // Let dockerd stop its containers and flush its state before removal (not when its data volume
                // is removed with it: see deletedWith).
                destroyGraceSeconds: 30,
            },
            // A replacement must never run next to its predecessor on the same /var/lib/docker. The provider
            // "updates" tmpfs mounts in place without changing the container, so a change of them replaces it.
            { parent: this, deleteBeforeReplace: true, deletedWith: args.deletedWith, replaceOnChanges: ["tmpfs"] },
        );

        this.containerName = container.name;
        this.containerId = container.id;
        this.hostDockerHost = pulumi.output(args.dockerPort !== undefined ? `tcp://127.0.0.1:${args.dockerPort}` : undefined);
        this.registerOutputs({ containerName: this.containerName, hostDockerHost: this.hostDockerHost });
    }
}
