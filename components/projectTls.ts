// One project's TLS material: its own CA, a server certificate for its daemon
// and a client certificate for its runner. Because every project has its own
// CA, a runner (or anyone holding its client certificate) can reach only its
// own project's daemon.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createCertificate, createCertificateAuthority } from "./certificateAuthority";

export interface ProjectTlsArgs {
    /** The stack, for certificate subjects. */
    readonly stack: string;
    /** The project, for certificate subjects. */
    readonly project: string;
    /** Names the daemon is reached by: its container name and network alias (localhost is added). */
    readonly daemonDnsNames: string[];
}

export class ProjectTls extends pulumi.ComponentResource {
    /** The project's CA certificate, trusted by both daemon and runner. */
    public readonly caCertPem: pulumi.Output<string>;
    /** The daemon's server certificate and key (secret). */
    public readonly serverCertPem: pulumi.Output<string>;
    public readonly serverKeyPem: pulumi.Output<string>;
    /** The runner's client certificate and key (secret); also what a developer's CLI uses. */
    public readonly clientCertPem: pulumi.Output<string>;
    public readonly clientKeyPem: pulumi.Output<string>;

    constructor(name: string, args: ProjectTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:ProjectTls", name, {}, opts);

        // The keys and certificates are this component's own children: a component per CA and certificate
        // made every project's chain one level deeper (more registrations on every `pulumi up`, and its
        // containers one delete wave behind the proxy's on destroy). Stacks made before keep them: aliases to
        // the components they were under.
        const formerlyUnder = (component: string, type: string): pulumi.CustomResourceOptions => ({
            parent: this,
            aliases: [{ parent: pulumi.createUrn(component, `dind-compose:index:${type}`, this) }],
        });
        const ca = createCertificateAuthority(
            `${name}-ca`,
            { commonName: `dind-compose ${args.stack} ${args.project} CA` },
            formerlyUnder(`${name}-ca`, "CertificateAuthority"),
        );
        const server = createCertificate(
            `${name}-server`,
            {
                ca,
                usage: "server",
                commonName: args.daemonDnsNames[0],
                dnsNames: [...args.daemonDnsNames, "localhost"],
                ipAddresses: ["127.0.0.1"],
            },
            formerlyUnder(`${name}-server`, "Certificate"),
        );
        const client = createCertificate(
            `${name}-client`,
            { ca, usage: "client", commonName: `${args.project} runner` },
            formerlyUnder(`${name}-client`, "Certificate"),
        );

        this.caCertPem = ca.certPem;
        this.serverCertPem = server.certPem;
        this.serverKeyPem = server.privateKeyPem;
        this.clientCertPem = client.certPem;
        this.clientKeyPem = client.privateKeyPem;
        this.registerOutputs({ caCertPem: this.caCertPem, clientCertPem: this.clientCertPem });
    }
}

/** The one file a container's TLS material is uploaded as (one upload instead of three). */
export const TLS_BUNDLE_FILE = "bundle.pem";

/**
 * A container's TLS material as one file: the CA's certificate, this side's certificate, its key, in that
 * order. The container's script splits it (`split_tls_bundle` in lib/daemon.sh and lib/runner.sh) into the
 * ca.pem, cert.pem and key.pem that `--tlscacert/--tlscert/--tlskey` and `DOCKER_CERT_PATH` expect. Each
 * upload is an archive Docker extracts by starting a process of its own, a tenth of a second while a stack
 * starts; one instead of three takes that off the daemon's start.
 */
export function joinTlsBundle(caCertPem: string, certPem: string, keyPem: string): string {
    return [caCertPem, certPem, keyPem].map((pem) => `${pem.trimEnd()}\n`).join("");
}

/** The upload of `dir`/bundle.pem (readable by its owner only; secret, as it holds the key). */
export function tlsBundleUpload(
    dir: string,
    caCertPem: pulumi.Input<string>,
    certPem: pulumi.Input<string>,
    keyPem: pulumi.Input<string>,
): docker.types.input.ContainerUpload {
    return {
        file: `${dir}/${TLS_BUNDLE_FILE}`,
        content: pulumi.all([caCertPem, certPem, keyPem]).apply(([ca, cert, key]) => joinTlsBundle(ca, cert, key)),
        permissions: "0600",
    };
}
