// The stack's registry mirror: a Docker registry that every daemon of the
// stack uses as `--registry-mirror`, over TLS from the stack's CA (each daemon
// trusts that CA for the mirror's address, so no insecure-registry flag).
//
// Inner daemons cannot reach a registry on a machine without internet, and on
// one with internet would pull the same images once per project. The mirror is
// seeded from images the host engine already has: each `seed` image is tagged
// `127.0.0.1:<port>/<repository>:<tag>` and pushed through the mirror's
// loopback port. A daemon pulling `busybox:1.37` then gets it from the mirror.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { toLabelList } from "../lib/names";

/** The registry's port inside the edge network. */
export const MIRROR_PORT = 5000;

export interface MirrorArgs {
    /** Container name, derived from the stack. */
    readonly containerName: string;
    /** Volume name for the registry's storage. */
    readonly volumeName: pulumi.Input<string>;
    /** Image ID of the registry image. */
    readonly image: pulumi.Input<string>;
    /** Labels for stack and role. */
    readonly labels: Record<string, string>;
    /** The stack's edge network. */
    readonly networkName: pulumi.Input<string>;
    /** Network alias the daemons use. */
    readonly alias: string;
    /** Host port on 127.0.0.1 used to seed the mirror from the host engine. */
    readonly hostPort: number;
    /** Server certificate (names: alias, container name, localhost, 127.0.0.1) and key (secret). */
    readonly certPem: pulumi.Input<string>;
    readonly keyPem: pulumi.Input<string>;
    /** Host images to push into the mirror, e.g. `busybox:1.37`. */
    readonly seed: string[];
}

/** `busybox:1.37` -> `library/busybox:1.37`: the repository path Docker Hub (and so a mirror) uses. */
export function hubRepository(ref: string): string {
    const withoutHost = ref.startsWith("docker.io/") ? ref.slice("docker.io/".length) : ref;
    return withoutHost.includes("/") ? withoutHost : `library/${withoutHost}`;
}

export class Mirror extends pulumi.ComponentResource {
    /** `alias:port` as daemons address it. */
    public readonly address: string;
    public readonly containerName: pulumi.Output<string>;
    /** Digests of the seeded images, by reference. */
    public readonly seeded: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: MirrorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Mirror", name, {}, opts);

        this.address = `${args.alias}:${MIRROR_PORT}`;
        const container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: args.image,
                labels: toLabelList(args.labels),
                envs: [
                    `REGISTRY_HTTP_ADDR=0.0.0.0:${MIRROR_PORT}`,
                    "REGISTRY_HTTP_TLS_CERTIFICATE=/certs/mirror.crt",
                    "REGISTRY_HTTP_TLS_KEY=/certs/mirror.key",
                ],
                mounts: [{ type: "volume", source: args.volumeName, target: "/var/lib/registry" }],
                uploads: [
                    { file: "/certs/mirror.crt", content: args.certPem },
                    { file: "/certs/mirror.key", content: args.keyPem, permissions: "0600" },
                ],
                networksAdvanced: [{ name: args.networkName, aliases: [args.alias] }],
                ports: [{ internal: MIRROR_PORT, external: args.hostPort, ip: "127.0.0.1" }],
                restart: "unless-stopped",
                // Listening on 5000 (0x1388): read from /proc so the check needs no tool the image may lack.
                healthcheck: {
                    tests: ["CMD-SHELL", "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q ':1388 [0-9A-F:]* 0A '"],
                    interval: "1s",
                    timeout: "3s",
                    retries: 30,
                },
                // Seeding pushes right after creation, so wait until the registry listens.
                wait: true,
                waitTimeout: 60,
                destroyGraceSeconds: 5,
            },
            { parent: this, deleteBeforeReplace: true },
        );

        const registry = `127.0.0.1:${args.hostPort}`;
        const digests: Record<string, pulumi.Output<string>> = {};
        for (const ref of args.seed) {
            const target = `${registry}/${hubRepository(ref)}`;
            const slug = ref.replace(/[^a-zA-Z0-9]+/g, "-");
            const tag = new docker.Tag(`${name}-seed-${slug}-tag`, { sourceImage: ref, targetImage: target }, { parent: this, dependsOn: [container] });
            const pushed = new docker.RegistryImage(
                `${name}-seed-${slug}`,
                {
                    name: target,
                    keepRemotely: true,
                    // The host reaches the mirror on loopback, where Docker skips verification anyway.
                    insecureSkipVerify: true,
                    // The registry accepts anonymous pushes; the provider wants an auth entry all the same.
                    authConfig: { address: registry, username: "dind-compose", password: "anonymous" },
                    triggers: { source: tag.sourceImageId },
                },
                { parent: this, dependsOn: [tag] },
            );
            digests[ref] = pushed.sha256Digest;
        }

        this.containerName = container.name;
        this.seeded = pulumi.output(digests);
        this.registerOutputs({ containerName: this.containerName, seeded: this.seeded });
    }
}
