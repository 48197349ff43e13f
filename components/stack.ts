// Builds a whole stack from validated settings: the shared pieces (edge
// network, local CA, mirror, proxy) and one ComposeProject per project.
//
// index.ts is a thin entry over this function so that tests can build the
// stack in variants (mirror off, published daemon ports, other bind
// addresses, several stacks) from fixture settings under Pulumi's mocks.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../lib/config";
import { hostImageIds } from "../lib/hostImages";
import { InfraImage } from "../lib/images";
import { EDGE_ALIASES, labelsFor, projectNames, stackNames } from "../lib/names";
import { routeUrl } from "../lib/nginx";
import { CertificateAuthority } from "./certificateAuthority";
import { ComposeProject } from "./composeProject";
import { EdgeNetwork } from "./edgeNetwork";
import { Mirror } from "./mirror";
import { Proxy } from "./proxy";

/** What the program reads from the host engine, injectable for tests. */
export interface HostFacts {
    /** The host's image ID per reference it has (references it lacks are left out). */
    imageIds(refs: readonly string[]): Record<string, string>;
}

export const realHost: HostFacts = { imageIds: hostImageIds };

export interface StackOutputs {
    /** Per route host: its http and https URLs. */
    readonly urls: Record<string, { http: string; https: string }>;
    /** The stack's local CA certificate: trust it once for HTTPS to every route. */
    readonly caCertificate: pulumi.Output<string>;
    /** Per project: its containers, services and what a `docker` CLI on the host needs (the key is in projectClientKeys). */
    readonly projectDetails: Record<string, unknown>;
    /** Per project: the client key for its daemon (secret). */
    readonly projectClientKeys: pulumi.Output<Record<string, string>>;
    /** Per project: host images loaded into its daemon, with their IDs. */
    readonly preloadedImages: Record<string, Record<string, string>>;
    /** Where the mirror answers for daemons on the edge network, when enabled. */
    readonly mirrorEndpoint: string | undefined;
}

export function buildStack(settings: Settings, host: HostFacts = realHost): StackOutputs {
    const stack = settings.stack;
    const names = stackNames(stack);

    // Images are resolved once per stack, and only those in use (a disabled mirror needs no registry
    // image); containers use their IDs, so a tag bump shows as a precise diff.
    const imageId = (role: InfraImage) => new docker.RemoteImage(`image-${role}`, { name: settings.images[role], keepLocally: true }).imageId;
    const daemonImage = imageId("daemon");
    const runnerImage = imageId("runner");

    const edge = new EdgeNetwork("edge", { networkName: names.edge, labels: labelsFor(stack, "edge") });

    // The stack's local CA: HTTPS for every route, and TLS for the mirror.
    const localCa = new CertificateAuthority("local-ca", { commonName: `dind-compose ${stack} local CA` });

    const mirror = settings.mirror.enabled
        ? new Mirror("mirror", {
              containerName: names.mirror,
              volumeName: names.mirrorCache,
              image: imageId("registry"),
              labels: labelsFor(stack, "mirror"),
              volumeLabels: labelsFor(stack, "mirror-data"),
              networkName: edge.networkName,
              alias: EDGE_ALIASES.mirror,
              upstream: settings.mirror.upstream,
              ca: localCa,
          })
        : undefined;

    // Every image a project names or builds FROM, and the stack's preload list, that the host has is
    // loaded into the project's daemon: one look at the host's images for the whole stack.
    const wanted = (project: Settings["projects"][number]) => [...new Set([...settings.preload, ...project.compose.images])].sort();
    const hostIds = host.imageIds([...new Set(settings.projects.flatMap(wanted))]);
    const projects = settings.projects.map((project) => {
        const images = Object.fromEntries(wanted(project).filter((ref) => hostIds[ref] !== undefined).map((ref) => [ref, hostIds[ref]]));
        return {
            settings: project,
            images,
            component: new ComposeProject(project.name, {
                stack,
                settings: project,
                daemonImage,
                runnerImage,
                networkName: edge.networkName,
                mirror: mirror && { address: mirror.address, caCertPem: localCa.certPem },
                preload: images,
                stackCaPem: localCa.certPem,
                daemonSeconds: settings.timeouts.daemonSeconds,
                composeSeconds: settings.timeouts.composeSeconds,
            }),
        };
    });

    const routes = projects.flatMap(({ settings: project, component }) =>
        project.routes.map((r) => ({ host: r.host, port: r.port, upstream: component.daemonAlias, project: project.name })),
    );
    new Proxy("proxy", {
        stack,
        containerName: names.proxy,
        image: imageId("proxy"),
        labels: labelsFor(stack, "proxy"),
        networkName: edge.networkName,
        bindAddress: settings.proxy.bindAddress,
        httpPort: settings.proxy.httpPort,
        httpsPort: settings.proxy.httpsPort,
        routes,
        ca: localCa,
    });

    return {
        urls: Object.fromEntries(
            routes.map((r) => [
                r.host,
                { http: routeUrl("http", r.host, settings.proxy.httpPort), https: routeUrl("https", r.host, settings.proxy.httpsPort) },
            ]),
        ),
        caCertificate: localCa.certPem,
        projectDetails: Object.fromEntries(
            projects.map(({ settings: project, component }) => [
                project.name,
                {
                    daemonContainer: component.daemonContainerName,
                    runnerContainer: component.runnerContainerName,
                    services: project.compose.services,
                    composeDigest: project.compose.digest,
                    dockerHost: component.dockerHost,
                    tlsCaCert: component.caCertPem,
                    tlsClientCert: component.clientCertPem,
                },
            ]),
        ),
        projectClientKeys: pulumi.secret(pulumi.all(Object.fromEntries(projects.map(({ settings: project, component }) => [project.name, component.clientKeyPem])))),
        preloadedImages: Object.fromEntries(projects.map(({ settings: project, images }) => [project.name, images])),
        mirrorEndpoint: mirror ? `https://${mirror.address}` : undefined,
    };
}

/** The names a project's objects get in a stack (re-exported for the outputs' readers). */
export { projectNames };
