// The stack's front door: nginx serving HTTP and HTTPS on host ports bound to
// 127.0.0.1 by default, routing each host name to `<daemon alias>:<port>` on
// the edge network, with a certificate from the stack's local CA and a page
// listing the known routes for any other host.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { toLabelList } from "../lib/names";
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
    /** Server certificate for every route host, and its key (secret). */
    readonly certPem: pulumi.Input<string>;
    readonly keyPem: pulumi.Input<string>;
}

export class Proxy extends pulumi.ComponentResource {
    public readonly containerName: pulumi.Output<string>;
    /** The nginx configuration as uploaded (for inspection). */
    public readonly nginxConfig: string;

    constructor(name: string, args: ProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:Proxy", name, {}, opts);

        const ports = { httpPort: args.httpPort, httpsPort: args.httpsPort };
        this.nginxConfig = renderNginxConfig(args.routes, ports);

        const container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: args.image,
                labels: toLabelList(args.labels),
                networksAdvanced: [{ name: args.networkName }],
                ports: [
                    { internal: 80, external: args.httpPort, ip: args.bindAddress },
                    { internal: 443, external: args.httpsPort, ip: args.bindAddress },
                ],
                uploads: [
                    { file: PROXY_PATHS.config, content: this.nginxConfig },
                    { file: PROXY_PATHS.cert, content: args.certPem },
                    { file: PROXY_PATHS.key, content: args.keyPem, permissions: "0600" },
                    { file: `${PROXY_PATHS.pages}/unknown-host.html`, content: renderUnknownHostPage(args.stack, args.routes, ports) },
                    { file: `${PROXY_PATHS.pages}/upstream-down.html`, content: renderUpstreamDownPage(args.stack) },
                ],
                restart: "unless-stopped",
                // nginx finishes in-flight requests on SIGQUIT.
                stopSignal: "SIGQUIT",
                healthcheck: {
                    tests: ["CMD", "nginx", "-t", "-q"],
                    interval: "5s",
                    timeout: "3s",
                    retries: 3,
                },
                wait: true,
                waitTimeout: 60,
                destroyGraceSeconds: 5,
            },
            { parent: this, deleteBeforeReplace: true },
        );

        this.containerName = container.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
