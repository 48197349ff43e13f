// One project's TLS material: a certificate for its daemon and one for its
// runner, each self-signed and each side trusting exactly the other's
// (dockerd's --tlscacert is the runner's certificate, the runner's ca.pem is
// the daemon's). Nothing signs them, so a runner (or anyone holding its
// client certificate) can reach only its own project's daemon, and a daemon
// accepts no certificate but its runner's.
//
// Why not a CA per project: a CA, two certificate requests and two signed
// certificates made eight resources per project where four do, and the
// daemon's container waited on a chain four registrations deep (CA key, CA
// certificate, signed certificate, container) where two do. Every resource
// is a step the engine takes one at a time and a state file it writes; see
// README "Benchmark".

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { KeyPair, createPinnedCertificate } from "./certificateAuthority";

export interface ProjectTlsArgs {
    /** The stack, for certificate subjects. */
    readonly stack: string;
    /** The project, for certificate subjects. */
    readonly project: string;
    /** Names the daemon is reached by: its container name and network alias (localhost is added). */
    readonly daemonDnsNames: string[];
}

export class ProjectTls extends pulumi.ComponentResource {
    /** The daemon's certificate and key (secret): what the runner, and a developer's CLI, trust as their CA. */
    public readonly server: KeyPair;
    /** The runner's certificate and key (secret); also what a developer's CLI presents. */
    public readonly client: KeyPair;

    constructor(name: string, args: ProjectTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:ProjectTls", name, {}, opts);

        // `<name>-server-key/-cert` and `<name>-client-key/-cert`. The keys keep the names (and URNs) they had
        // when a CA signed the certificates, so existing stacks keep their keys; the certificates are new.
        this.server = createPinnedCertificate(
            `${name}-server`,
            {
                usage: "server",
                commonName: args.daemonDnsNames[0],
                dnsNames: [...args.daemonDnsNames, "localhost"],
                ipAddresses: ["127.0.0.1"],
            },
            { parent: this },
        );
        this.client = createPinnedCertificate(
            `${name}-client`,
            { usage: "client", commonName: `dind-compose ${args.stack} ${args.project} runner` },
            { parent: this },
        );
        this.registerOutputs({ serverCertPem: this.server.certPem, clientCertPem: this.client.certPem });
    }
}

/** The one file a container's TLS material is uploaded as (one upload instead of three). */
export const TLS_BUNDLE_FILE = "bundle.pem";

/**
 * A container's TLS material as one file: the certificate it trusts (its CA file), its own certificate, its
 * key, in that order. The container's script splits it (`split_tls_bundle` in lib/daemon.sh and lib/runner.sh)
 * into the ca.pem, cert.pem and key.pem that `--tlscacert/--tlscert/--tlskey` and `DOCKER_CERT_PATH` expect.
 * Each upload is an archive Docker extracts by starting a process of its own, a tenth of a second while a
 * stack starts; one instead of three takes that off the daemon's start.
 */
export function joinTlsBundle(trustedCertPem: string, certPem: string, keyPem: string): string {
    return [trustedCertPem, certPem, keyPem].map((pem) => `${pem.trimEnd()}\n`).join("");
}

/** The upload of `dir`/bundle.pem (readable by its owner only; secret, as it holds the key). */
export function tlsBundleUpload(
    dir: string,
    trustedCertPem: pulumi.Input<string>,
    certPem: pulumi.Input<string>,
    keyPem: pulumi.Input<string>,
): docker.types.input.ContainerUpload {
    return {
        file: `${dir}/${TLS_BUNDLE_FILE}`,
        content: pulumi.all([trustedCertPem, certPem, keyPem]).apply(([ca, cert, key]) => joinTlsBundle(ca, cert, key)),
        permissions: "0600",
    };
}
