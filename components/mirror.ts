// The stack's registry mirror: a read-only pull-through cache of Docker Hub
// (or of the upstream the stack names)
// that every daemon of the stack uses as `--registry-mirror`, over TLS from the
// stack's CA (each daemon trusts that CA for the mirror's address, so no
// insecure-registry flag). On a machine with internet, an image the projects
// share is pulled once for the stack instead of once per daemon.
//
// Nothing is ever pushed to it: a registry in proxy mode refuses pushes, so
// no local user and no inner container can plant an image that every daemon
// would then pull. Images from the host engine reach daemons another way
// (ImagePreload loads them into each daemon directly, checking image IDs).

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { toLabelList } from "../lib/names";
import { Certificate, CertificateAuthority } from "./certificateAuthority";
import { DataVolume } from "./dataVolume";

/** The registry's port inside the edge network. */
export const MIRROR_PORT = 5000;


export interface MirrorArgs {
    /** Container name, derived from the stack. */
    readonly containerName: string;
    /** Volume name for the cache. */
    readonly volumeName: string;
    /** Image ID of the registry image. */
    readonly image: pulumi.Input<string>;
    /** Labels of the container. */
    readonly labels: Record<string, string>;
    /** Labels of the cache volume. */
    readonly volumeLabels: Record<string, string>;
    /** The stack's edge network. */
    readonly networkName: pulumi.Input<string>;
    /** Network alias the daemons use. */
    readonly alias: string;
    /** The registry the mirror caches (Docker Hub, or a company mirror of it). */
    readonly upstream: string;
    /** The stack CA that signs the mirror's certificate (daemons trust it for the mirror's address). */
    readonly ca: CertificateAuthority;
}

/** The registry's settings: TLS with the given files, and proxy mode, which serves and caches `upstream` and refuses every push. */
export function mirrorEnvironment(upstream: string, certFile: string, keyFile: string): string[] {
    return [
        `REGISTRY_HTTP_ADDR=0.0.0.0:${MIRROR_PORT}`,
        `REGISTRY_HTTP_TLS_CERTIFICATE=${certFile}`,
        `REGISTRY_HTTP_TLS_KEY=${keyFile}`,
        `REGISTRY_PROXY_REMOTEURL=${upstream}`,
    ];
}

/**
 * A shell test that something listens on `port`, read from /proc so it needs no
 * tool the image may lack (the kernel writes local ports as 4 upper-case hex digits).
 */
export function listensCheck(port: number): string {
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    return `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q ':${hex} [0-9A-F:]* 0A '`;
}

export class Mirror extends pulumi.ComponentResource {
    /** `alias:port`: where daemons reach the mirror on the edge network. */
    public readonly address: string;
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: MirrorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Mirror", name, {}, opts);

        this.address = `${args.alias}:${MIRROR_PORT}`;
        // The certificate used to be a sibling of the mirror at the stack's root.
        const cert = new Certificate(
            `${name}-tls`,
            {
                ca: args.ca,
                usage: "server",
                commonName: args.alias,
                dnsNames: [args.alias, "localhost"],
                ipAddresses: ["127.0.0.1"],
            },
            { parent: this, aliases: [{ parent: pulumi.rootStackResource }] },
        );
        // A new name on purpose: a cache from before the mirror was read-only may hold pushed images.
        // Its removal takes the registry with it: a graceful stop protects nothing when the cache goes next.
        const cache = new DataVolume(
            `${name}-cache`,
            { volumeName: args.volumeName, labels: args.volumeLabels, owners: [args.containerName] },
            { parent: this },
        );

        const container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: args.image,
                labels: toLabelList(args.labels),
                envs: mirrorEnvironment(args.upstream, "/certs/mirror.crt", "/certs/mirror.key"),
                mounts: [{ type: "volume", source: cache.volumeName, target: "/var/lib/registry" }],
                uploads: [
                    { file: "/certs/mirror.crt", content: cert.certPem },
                    { file: "/certs/mirror.key", content: cert.privateKeyPem, permissions: "0600" },
                ],
                networksAdvanced: [{ name: args.networkName, aliases: [args.alias] }],
                // No host port: only daemons on the edge network use it.
                restart: "unless-stopped",
                healthcheck: {
                    tests: ["CMD-SHELL", listensCheck(MIRROR_PORT)],
                    interval: "2s",
                    timeout: "3s",
                    retries: 30,
                },
                destroyGraceSeconds: 5,
            },
            { parent: this, deleteBeforeReplace: true, deletedWith: cache.removal },
        );

        this.containerName = container.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
