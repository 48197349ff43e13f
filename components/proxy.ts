// The stack's front door: nginx serving HTTP and HTTPS on host ports bound to
// 127.0.0.1 by default, routing each host name to `<daemon alias>:<port>` on
// the edge network, with a certificate from the stack's local CA and a page
// listing the known routes for any other host.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { toLabelList } from "../lib/names";
import { Certificate, CertificateAuthority } from "./certificateAuthority";
import { ContainerCheck } from "./containerCheck";
import { DockerRemoval } from "./dockerRemoval";
import { PROXY_PATHS, ProxyRoute, renderNginxConfig, renderUnknownHostPage, renderUpstreamDownPage } from "../lib/nginx";

export interface ProxyArgs {
    /** The stack, for the pages. */
    readonly stack: string;
    /** Container name, derived from the stack. */
    readonly containerName: string;
    /** Image ID of the nginx image. */
    readonly image: pulumi.Input<string>;
    /** Labels for stack and role. */
    readonly labels: Record<string, string>;
    /** The stack's edge network. */
    readonly networkName: pulumi.Input<string>;
    /** Host address the ports are published on (127.0.0.1 unless configured). */
    readonly bindAddress: string;
    readonly httpPort: number;
    readonly httpsPort: number;
    /** Every route of every project. */
    readonly routes: ProxyRoute[];
    /** The stack's local CA, which signs the proxy's certificate for every route host. */
    readonly ca: CertificateAuthority;
}

export class Proxy extends pulumi.ComponentResource {
    public readonly containerName: pulumi.Output<string>;
    /** The nginx configuration as uploaded (for inspection). */
    public readonly nginxConfig: string;

    constructor(name: string, args: ProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Proxy", name, {}, opts);

        const ports = { httpPort: args.httpPort, httpsPort: args.httpsPort };
        // The certificate used to be a sibling of the proxy at the stack's root.
        const cert = new Certificate(
            `${name}-tls`,
            {
                ca: args.ca,
                usage: "server",
                commonName: "localhost",
                dnsNames: ["localhost", ...[...new Set(args.routes.map((r) => r.host))].sort()],
                ipAddresses: ["127.0.0.1"],
            },
            { parent: this, aliases: [{ parent: pulumi.rootStackResource }] },
        );
        this.nginxConfig = renderNginxConfig(args.routes, ports);

        // What takes the container away when the stack is destroyed (it is deletedWith this): force-removed in
        // the wave that removes the projects' daemons and data, instead of stopped on its own a wave earlier
        // (components/dockerRemoval.ts). Its name carries the edge network's removal as a dependency: the proxy
        // is gone before the network is removed. It also depends on the stack's CA, whose certificates nginx
        // serves: Pulumi deletes in waves by dependency depth, and without that the removal sat one wave below
        // the projects' removals, a wave of its own in every destroy (0.27 s of 2.5 s).
        const removal = new DockerRemoval(
            `${name}-removal`,
            { kind: "container", objectName: pulumi.output(args.networkName).apply(() => args.containerName) },
            { parent: this, dependsOn: [args.ca] },
        );

        const container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: args.image,
                labels: toLabelList(args.labels),
                // Every route host is also the proxy's name on the edge network, and nginx listens on the host's
                // port numbers inside too: a stack URL works unchanged from inside any project's containers
                // (their daemons resolve names through Docker's DNS on this network).
                networksAdvanced: [{ name: args.networkName, aliases: [...new Set(args.routes.map((r) => r.host))].sort() }],
                ports: [
                    { internal: args.httpPort, external: args.httpPort, ip: args.bindAddress },
                    { internal: args.httpsPort, external: args.httpsPort, ip: args.bindAddress },
                ],
                uploads: [
                    { file: PROXY_PATHS.config, content: this.nginxConfig },
                    { file: PROXY_PATHS.cert, content: cert.certPem },
                    { file: PROXY_PATHS.key, content: cert.privateKeyPem, permissions: "0600" },
                    { file: `${PROXY_PATHS.pages}/unknown-host.html`, content: renderUnknownHostPage(args.stack, args.routes, ports) },
                    { file: `${PROXY_PATHS.pages}/upstream-down.html`, content: renderUpstreamDownPage(args.stack, args.routes) },
                ],
                restart: "unless-stopped",
                // nginx finishes in-flight requests on SIGQUIT when the container is replaced (a destroy
                // force-removes it: see the removal above).
                stopSignal: "SIGQUIT",
                // No Docker health check (a `docker exec` every interval, forever): the check below runs once.
                // Said explicitly, and a change of it replaces the container (the provider's in-place update
                // records it but cannot change a container's health check): a proxy created with the one it
                // used to have is replaced.
                healthcheck: { tests: ["NONE"] },
                destroyGraceSeconds: 5,
            },
            { parent: this, deleteBeforeReplace: true, replaceOnChanges: ["healthcheck"], deletedWith: removal },
        );

        // `pulumi up` fails when nginx refuses its configuration or the container does not stay up; checked
        // once per container, not by a Docker health check (components/containerCheck.ts says why).
        new ContainerCheck(
            `${name}-check`,
            { containerId: container.id, containerName: container.name, what: "the stack's proxy", command: ["nginx", "-t", "-q"], timeoutSeconds: 60 },
            { parent: this },
        );

        this.containerName = container.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
