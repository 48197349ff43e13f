// dind-compose: many docker-compose projects side by side, each in its own
// Docker-in-Docker daemon, behind one nginx front door.
//
// This file only wires: it reads and validates the stack configuration (before
// creating anything), then builds the shared pieces (edge network, local CA,
// mirror, proxy) and one ComposeProject per configured project.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { Certificate, CertificateAuthority } from "./components/certificateAuthority";
import { ComposeProject } from "./components/composeProject";
import { DataVolume } from "./components/dataVolume";
import { EdgeNetwork } from "./components/edgeNetwork";
import { Mirror } from "./components/mirror";
import { Proxy } from "./components/proxy";
import { ConfigError, Settings, rawConfig, validateSettings } from "./lib/config";
import { dockerName, labelsFor } from "./lib/names";
import { routeUrl } from "./lib/nginx";

function loadSettings(): Settings {
    const stack = pulumi.getStack();
    try {
        return validateSettings(rawConfig(pulumi.runtime.allConfig()), stack, process.cwd());
    } catch (err) {
        if (err instanceof ConfigError) {
            // A clean, complete message instead of a stack trace; nothing has been created.
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}

const settings = loadSettings();
const stack = settings.stack;
settings.warnings.forEach((w) => pulumi.log.warn(w));

// Images are resolved once per stack, and only those in use (a disabled mirror needs no registry
// image); containers use their IDs, so a tag bump shows as a precise diff.
function imageId(role: keyof Settings["images"]): pulumi.Output<string> {
    return new docker.RemoteImage(`image-${role}`, { name: settings.images[role], keepLocally: true }).imageId;
}
const daemonImage = imageId("daemon");
const runnerImage = imageId("runner");

const edge = new EdgeNetwork("edge", { networkName: dockerName(stack, "edge"), labels: labelsFor(stack, "edge") });

// The stack's local CA: HTTPS for every route, and TLS for the mirror.
const localCa = new CertificateAuthority("local-ca", { commonName: `dind-compose ${stack} local CA` });

let mirror: Mirror | undefined;
if (settings.mirror.enabled) {
    const alias = "mirror";
    const containerName = dockerName(stack, "mirror");
    const cert = new Certificate("mirror-tls", {
        ca: localCa,
        usage: "server",
        commonName: alias,
        dnsNames: [alias, containerName, "localhost"],
        ipAddresses: ["127.0.0.1"],
    });
    const data = new DataVolume("mirror-data", { volumeName: dockerName(stack, "mirror-data"), labels: labelsFor(stack, "mirror-data") });
    mirror = new Mirror("mirror", {
        containerName,
        volumeName: data.volumeName,
        image: imageId("registry"),
        labels: labelsFor(stack, "mirror"),
        networkName: edge.networkName,
        alias,
        hostPort: settings.mirror.port,
        certPem: cert.certPem,
        keyPem: cert.privateKeyPem,
        seed: settings.mirror.seed,
    });
}

const projects = settings.projects.map((project) => ({
    settings: project,
    component: new ComposeProject(
        project.name,
        {
            stack,
            settings: project,
            daemonImage,
            runnerImage,
            networkName: edge.networkName,
            mirror: mirror && { address: mirror.address, caCertPem: localCa.certPem },
            daemonSeconds: settings.timeouts.daemonSeconds,
            composeSeconds: settings.timeouts.composeSeconds,
        },
        // Daemons pull through the mirror, so its seed images must be in place first.
        { dependsOn: mirror ? [mirror] : [] },
    ),
}));

const routes = projects.flatMap(({ settings: project, component }) =>
    project.routes.map((r) => ({ host: r.host, port: r.port, upstream: component.daemonAlias, project: project.name })),
);
const proxyCert = new Certificate("proxy-tls", {
    ca: localCa,
    usage: "server",
    commonName: "localhost",
    dnsNames: ["localhost", ...routes.map((r) => r.host).sort()],
    ipAddresses: ["127.0.0.1"],
});
new Proxy("proxy", {
    stack,
    containerName: dockerName(stack, "proxy"),
    image: imageId("proxy"),
    labels: labelsFor(stack, "proxy"),
    networkName: edge.networkName,
    bindAddress: settings.proxy.bindAddress,
    httpPort: settings.proxy.httpPort,
    httpsPort: settings.proxy.httpsPort,
    routes,
    certPem: proxyCert.certPem,
    keyPem: proxyCert.privateKeyPem,
});

/** Per route host: its http and https URLs. */
export const urls = Object.fromEntries(
    routes.map((r) => [r.host, { http: routeUrl("http", r.host, settings.proxy.httpPort), https: routeUrl("https", r.host, settings.proxy.httpsPort) }]),
);

/** The stack's local CA certificate: trust it once for HTTPS to every route. */
export const caCertificate = localCa.certPem;

/** Per project: its containers, services and what a `docker` CLI on the host needs (the key is in projectClientKeys). */
export const projectDetails = Object.fromEntries(
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
);

/** Per project: the client key for its daemon (secret). */
export const projectClientKeys = pulumi.secret(Object.fromEntries(projects.map(({ settings: project, component }) => [project.name, component.clientKeyPem])));

/** The mirror's seeded images and their digests, when the mirror is enabled. */
export const mirrorSeeded = mirror ? mirror.seeded : {};

/** Where the mirror answers: for daemons on the edge network, and for the host engine (seeding). */
export const mirrorEndpoints = mirror ? { daemons: `https://${mirror.address}`, host: `127.0.0.1:${settings.mirror.port}` } : {};
