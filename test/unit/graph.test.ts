// The resource graph under Pulumi mocks, built from fixture settings in
// variants (defaults, mirror off, published daemon ports, a non-loopback bind
// address, several stacks): the rules that make the environment safe and
// correct, checked on what the program registers.

import * as assert from "assert";
import * as path from "path";
import { Settings, validateSettings } from "../../lib/config";
import { DEFAULT_IMAGES } from "../../lib/images";
import { projectNames, stackNames } from "../../lib/names";
import { readRunnerScript } from "../../lib/runnerScript";
import { joinTlsBundle } from "../../components/projectTls";
import { Graph, Registered, buildGraph, isSecretValue, mockCaCert } from "../support/mockGraph";

const root = path.resolve(__dirname, "../..");
const projects = ["project-a", "project-b"];
const exampleProjects = [
    { name: "project-a", path: "./examples/project-a" },
    { name: "project-b", path: "./examples/project-b" },
];

function settings(raw: Record<string, unknown>, stack = "dev"): Settings {
    return validateSettings({ projects: exampleProjects, ...raw }, stack, root);
}

const ofType = (g: Graph, suffix: string) => g.resources.filter((r) => r.type.toLowerCase().endsWith(suffix.toLowerCase()));
function container(g: Graph, name: string): Registered {
    const found = g.resources.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === name);
    assert.ok(found, `no container named ${name}; containers: ${ofType(g, ":Container").map((c) => c.inputs.name)}`);
    return found!;
}
function upload(c: Registered, file: string): string {
    const found = (c.inputs.uploads ?? []).find((u: any) => u.file === file);
    assert.ok(found, `${c.inputs.name} has no upload ${file}`);
    return found.content;
}
const named = (g: Graph, name: string) => {
    const found = g.resources.find((r) => r.name === name);
    assert.ok(found, `no resource named ${name}`);
    return found!;
};
const dependsOn = (r: Registered, name: string) => r.dependencies.some((urn) => urn.endsWith(`::${name}`));
/**
 * The wave of a destroy in which Pulumi deletes each resource (by name), as its ScheduleDeletes plans them: a
 * resource's level is one more than the deepest of its parent, its dependencies and what it is deleted with
 * (the stack's root is 0), and the deepest go first, every level a wave the next one waits for.
 */
function deletionWaves(g: Graph): Map<string, number> {
    // By name (unique in a stack): the mocks' URNs leave out the parents' types that the recorded ones carry.
    const byName = new Map(g.resources.map((r) => [r.name, r]));
    const levels = new Map<string, number>();
    const level = (urn: string): number => {
        const name = urn.split("::").pop()!;
        const r = byName.get(name);
        if (r === undefined) {
            return 0; // the stack's root
        }
        if (!levels.has(name)) {
            levels.set(name, 1 + Math.max(0, ...[r.parent, ...r.dependencies, r.deletedWith].filter((u) => u !== "").map(level)));
        }
        return levels.get(name)!;
    };
    const deepest = Math.max(...g.resources.map((r) => level(r.urn)));
    return new Map(g.resources.map((r) => [r.name, deepest - level(r.urn)]));
}
const hostPorts = (g: Graph) => ofType(g, ":Container").flatMap((c) => (c.inputs.ports ?? []).map((p: any) => ({ ...p, container: c.inputs.name })));

describe("resource graph: a stack with every default", function () {
    this.timeout(60000);
    let g: Graph;
    const dev = (p: string) => projectNames("dev", p);
    before(async () => {
        g = await buildGraph(settings({}), { "busybox:1.37": "sha256:host-busybox" });
    });

    it("gives each runner a client certificate of its own, which only its project's daemon trusts, and trusts only that daemon's certificate", () => {
        for (const p of projects) {
            const runner = container(g, dev(p).runner);
            const daemon = container(g, dev(p).daemon);
            const client = mockCaCert(`${p}-tls-client-cert`);
            const server = mockCaCert(`${p}-tls-server-cert`);
            assert.strictEqual(upload(runner, "/certs/client/bundle.pem"), joinTlsBundle(server, client, `KEY(${p}-tls-client-key)`));
            // The daemon's CA file (--tlscacert) is the runner's certificate itself: no CA that could sign another.
            assert.strictEqual(upload(daemon, "/certs/server/bundle.pem"), joinTlsBundle(client, server, `KEY(${p}-tls-server-key)`));
            const other = projects.find((o) => o !== p)!;
            assert.ok(!upload(runner, "/certs/client/bundle.pem").includes(other));
            assert.ok(!upload(daemon, "/certs/server/bundle.pem").includes(other));
        }
    });

    it("makes each project's certificates self-signed leaves, not CAs, under its ProjectTls: two keys, two certificates", () => {
        for (const p of projects) {
            const tlsParts = g.resources.filter((x) => x.name.startsWith(`${p}-tls-`));
            assert.deepStrictEqual(tlsParts.map((x) => x.name).sort(), [`${p}-tls-client-cert`, `${p}-tls-client-key`, `${p}-tls-server-cert`, `${p}-tls-server-key`]);
            for (const r of tlsParts) {
                assert.ok(r.parent.endsWith(`dind-compose:index:ProjectTls::${p}-tls`), `${r.name} is not under ${p}-tls: ${r.parent}`);
            }
            for (const usage of ["server", "client"]) {
                const cert = named(g, `${p}-tls-${usage}-cert`);
                assert.strictEqual(cert.type, "tls:index/selfSignedCert:SelfSignedCert");
                assert.strictEqual(cert.inputs.isCaCertificate, false);
                assert.deepStrictEqual(cert.inputs.allowedUses, ["digital_signature", "key_encipherment", `${usage}_auth`]);
            }
        }
        assert.strictEqual(ofType(g, ":CertRequest").filter((r) => projects.some((p) => r.name.startsWith(`${p}-`))).length, 0);
    });

    it("gives each daemon a server certificate for its alias, localhost and 127.0.0.1", () => {
        for (const p of projects) {
            const daemon = container(g, dev(p).daemon);
            // lib/daemon.sh lays the bundle out where dockerd's flags point.
            assert.ok(daemon.inputs.envs.includes("DC_TLS_DIR=/certs/server"));
            assert.ok(daemon.inputs.command.includes("--tlscacert=/certs/server/ca.pem"));
            const cert = named(g, `${p}-tls-server-cert`);
            assert.deepStrictEqual(cert.inputs.dnsNames, [p, "localhost"]);
            assert.deepStrictEqual(cert.inputs.ipAddresses, ["127.0.0.1"]);
        }
    });

    it("runs each daemon privileged with --tlsverify and no plain TCP listener, under an init, replaced only after the old one is gone", () => {
        for (const p of projects) {
            const daemon = container(g, dev(p).daemon);
            const { inputs } = daemon;
            assert.strictEqual(inputs.privileged, true);
            assert.strictEqual(inputs.init, true);
            // The image's dind setup, then lib/daemon.sh (containerd, then dockerd with the flags after $0).
            assert.deepStrictEqual(inputs.command.slice(0, 3), ["dind", "sh", "-c"]);
            assert.match(inputs.command[3], /dockerd --containerd=/);
            assert.strictEqual(inputs.command[4], "dind-compose-daemon");
            assert.ok(inputs.command.includes("--tlsverify"));
            const hosts = inputs.command.filter((a: string) => a.startsWith("--host=") || a.startsWith("-H"));
            assert.deepStrictEqual(hosts, ["--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2376"]);
            assert.ok(!inputs.command.join(" ").includes("2375"));
            assert.strictEqual(inputs.restart, "unless-stopped");
            // Two dockerds must never share one /var/lib/docker.
            assert.strictEqual(daemon.deleteBeforeReplace, true, `${p}'s daemon lacks deleteBeforeReplace`);
        }
    });

    it("removes the edge network and each data volume only after every container using it, never through the Docker provider's delayed delete", () => {
        const removal = (name: string) => {
            const r = named(g, name);
            assert.strictEqual(r.type, "pulumi-nodejs:dynamic/dind-compose:DockerRemoval");
            return r;
        };
        const network = ofType(g, "network:Network");
        const volumes = ofType(g, "volume:Volume");
        assert.strictEqual(network.length, 1);
        assert.strictEqual(volumes.length, projects.length + 1, "a data volume per project and the mirror's");
        for (const r of [...network, ...volumes]) {
            assert.strictEqual(r.retainOnDelete, true, `${r.name} would be deleted by the Docker provider`);
            const own = removal(`${r.name.replace(/-(network|volume)$/, "")}-removal`);
            assert.strictEqual(own.inputs.objectName, r.inputs.name);
            if (r.type.endsWith("volume:Volume")) {
                // Its actual name (an old volume keeps its old one) is what gets removed.
                assert.ok(dependsOn(own, r.name), `${r.name}'s removal does not follow it`);
            }
        }
        for (const c of ofType(g, ":Container")) {
            assert.ok(dependsOn(c, "edge-removal"), `${c.inputs.name} is on the edge network but not deleted before its removal`);
        }
        for (const p of projects) {
            assert.ok(dependsOn(container(g, dev(p).daemon), `${p}-data-removal`), `${p}'s data volume could be removed under its daemon`);
        }
        assert.ok(dependsOn(container(g, stackNames("dev").mirror), "mirror-cache-removal"));
    });

    it("removes daemon, runner and mirror together with their data volumes, skipping their graceful stops only then", () => {
        // Pulumi skips a container's own delete (its graceful stop) when the removal it is deletedWith is deleted
        // too, and that removal force-removes it by name first; a container replaced on its own still stops
        // gracefully.
        const goesWith = (name: string, removal: string) => {
            const c = container(g, name);
            assert.ok(c.deletedWith.endsWith(`DockerRemoval::${removal}`), `${name} is not deleted with ${removal} (${c.deletedWith})`);
            assert.ok(named(g, removal).inputs.containers.includes(name), `${removal} does not remove ${name}`);
        };
        for (const p of projects) {
            goesWith(dev(p).daemon, `${p}-data-removal`);
            goesWith(dev(p).runner, `${p}-data-removal`);
            assert.deepStrictEqual(named(g, `${p}-data-removal`).inputs.containers, [dev(p).daemon, dev(p).runner]);
            assert.strictEqual(container(g, dev(p).daemon).inputs.destroyGraceSeconds, 30);
        }
        goesWith(stackNames("dev").mirror, "mirror-cache-removal");
        // The proxy goes with a removal of its own, which depends on the network's: force-removed in the wave of
        // the projects' removals, before the network's (with the network's removal itself, it would come in the
        // teardown's last wave, before the network's removal: measured slower).
        const proxy = container(g, stackNames("dev").proxy);
        assert.ok(proxy.deletedWith.endsWith("DockerRemoval::proxy-removal"), `the proxy is deleted with ${proxy.deletedWith}`);
        const proxyRemoval = named(g, "proxy-removal");
        assert.deepStrictEqual({ kind: proxyRemoval.inputs.kind, objectName: proxyRemoval.inputs.objectName }, { kind: "container", objectName: stackNames("dev").proxy });
        assert.ok(dependsOn(proxyRemoval, "edge-removal"), "the network could be removed before the proxy");
        assert.ok(!dependsOn(proxyRemoval, "proxy-container"), "a removal the container is deleted with cannot depend on it");
        assert.strictEqual(named(g, "edge-removal").inputs.containers, undefined);
        // In a destroy, the proxy's removal runs in the same wave as the projects' (not in a wave of its own
        // after them), and the network's removal after both.
        const waves = deletionWaves(g);
        for (const p of projects) {
            assert.strictEqual(waves.get("proxy-removal"), waves.get(`${p}-data-removal`), `proxy removal in wave ${waves.get("proxy-removal")}, ${p}'s in ${waves.get(`${p}-data-removal`)}`);
        }
        assert.ok(waves.get("edge-removal")! > waves.get("proxy-removal")!, "the network's removal would run before the proxy is gone");
    });

    it("mounts the project directory at its host path in daemon and runner, and runs compose from there", () => {
        for (const p of projects) {
            const dir = path.join(root, "examples", p);
            for (const name of [dev(p).daemon, dev(p).runner]) {
                const binds = container(g, name).inputs.mounts.filter((m: any) => m.type === "bind");
                assert.ok(binds.some((b: any) => b.source === dir && b.target === dir), `${name}: ${JSON.stringify(binds)}`);
                for (const b of binds) {
                    assert.strictEqual(b.source, b.target, `${name} mounts ${b.source} at another path`);
                }
            }
            assert.strictEqual(container(g, dev(p).runner).inputs.workingDir, dir);
            // Without its own tmpfs on /tmp, dind's setup would hide projects that live under /tmp; /run is fresh
            // on every start, so pid files of a daemon that died cannot keep it from starting again.
            assert.deepStrictEqual(container(g, dev(p).daemon).inputs.tmpfs, { "/tmp": "", "/run": "exec,mode=755" });
        }
    });

    it("keeps each project's /var/lib/docker on a data volume of its own that keeps its name", () => {
        for (const p of projects) {
            const volume = ofType(g, ":Volume").find((v) => v.inputs.name === dev(p).data);
            assert.ok(volume, `no data volume for ${p}`);
            const mount = container(g, dev(p).daemon).inputs.mounts.find((m: any) => m.target === "/var/lib/docker");
            assert.deepStrictEqual(mount, { type: "volume", source: dev(p).data, target: "/var/lib/docker" });
        }
    });

    it("loads the host's images into each daemon before its runner starts compose, while the runner container starts", () => {
        for (const p of projects) {
            const preload = named(g, `${p}-images`);
            assert.deepStrictEqual(preload.inputs.images, { "busybox:1.37": "sha256:host-busybox" });
            assert.strictEqual(preload.inputs.daemonId, `${p}-daemon-container-id`);
            assert.ok(dependsOn(preload, `${p}-daemon-container`), "preload waits for the daemon");
            // The runner container starts alongside the daemon; compose starts when its readiness check, which
            // follows the preload, says the images are there.
            const runner = container(g, dev(p).runner);
            assert.ok(!dependsOn(runner, `${p}-images`) && !dependsOn(runner, `${p}-daemon-container`), "the runner container waits for nothing");
            const ready = named(g, `${p}-runner-ready`);
            assert.ok(dependsOn(ready, `${p}-images`), "the readiness check does not follow the preload");
            assert.strictEqual(ready.inputs.imagesLoadedFile, "/run/dind-compose/images-loaded");
        }
    });

    it("points each runner at its own daemon over verified TLS, under an init process, followed by a readiness check", () => {
        for (const p of projects) {
            const { inputs } = container(g, dev(p).runner);
            assert.ok(inputs.envs.includes(`DOCKER_HOST=tcp://${p}:2376`));
            assert.ok(inputs.envs.includes("DOCKER_TLS_VERIFY=1"));
            assert.ok(inputs.envs.includes("DOCKER_CERT_PATH=/certs/client"));
            assert.strictEqual(inputs.init, true);
            // Its script is its entrypoint, in the clear; its one upload is the TLS bundle, which holds a key.
            assert.deepStrictEqual(inputs.entrypoints, ["sh", "-c", readRunnerScript(), "dind-compose-runner"]);
            assert.deepStrictEqual(inputs.uploads.map((u: any) => u.file), ["/certs/client/bundle.pem"]);
            const ready = named(g, `${p}-runner-ready`);
            assert.strictEqual(ready.inputs.runnerId, `${p}-runner-container-id`);
            assert.strictEqual(ready.inputs.project, p);
        }
    });

    it("puts the compose digest and services on each readiness check, not on the runner container (an edit re-runs compose, it replaces nothing)", () => {
        const ready = (p: string) => named(g, `${p}-runner-ready`).inputs;
        assert.match(ready("project-a").composeDigest, /^[0-9a-f]{64}$/);
        assert.notStrictEqual(ready("project-a").composeDigest, ready("project-b").composeDigest);
        assert.deepStrictEqual(ready("project-a").services, ["backend", "web"]);
        assert.deepStrictEqual(ready("project-b").services, ["web"]);
        assert.strictEqual(ready("project-a").modelChangedSignal, "USR2");
        for (const p of projects) {
            const labels = container(g, dev(p).runner).inputs.labels.map((l: any) => l.label);
            assert.deepStrictEqual(labels.sort(), ["dind-compose.project", "dind-compose.role", "dind-compose.stack"]);
        }
    });

    it("labels every container, network and volume with stack and role, and project where it has one", () => {
        const objects = g.resources.filter((r) => /:(Container|Network|Volume)$/.test(r.type));
        assert.ok(objects.length >= 10);
        for (const o of objects) {
            const labels = Object.fromEntries(o.inputs.labels.map((l: any) => [l.label, l.value]));
            assert.strictEqual(labels["dind-compose.stack"], "dev", o.name);
            assert.ok(labels["dind-compose.role"], o.name);
            const project = projects.find((p) => o.name.startsWith(`${p}-`));
            assert.strictEqual(labels["dind-compose.project"], project, o.name);
        }
    });

    it("binds nothing to 0.0.0.0 by default, and publishes no mirror port at all", () => {
        const ports = hostPorts(g);
        assert.strictEqual(ports.length, 2, JSON.stringify(ports));
        for (const p of ports) {
            assert.strictEqual(p.ip, "127.0.0.1", `${p.container} publishes ${p.external} on ${p.ip}`);
        }
        assert.deepStrictEqual(container(g, stackNames("dev").mirror).inputs.ports ?? [], []);
    });

    it("runs the pinned default images, by image ID", () => {
        const images = ofType(g, "RemoteImage:RemoteImage").map((r) => r.inputs.name).sort();
        assert.deepStrictEqual(images, Object.values(DEFAULT_IMAGES).sort());
        for (const c of ofType(g, ":Container")) {
            assert.match(c.inputs.image, /^sha256:/, `${c.inputs.name} should run an image resolved by RemoteImage`);
        }
    });

    it("keeps private keys and client keys secret", async () => {
        const names = stackNames("dev");
        for (const name of [dev("project-a").daemon, dev("project-a").runner, names.proxy, names.mirror]) {
            const c = container(g, name);
            assert.ok(isSecretValue(c.raw.uploads), `${name} uploads a private key in the clear`);
            const withKey = c.inputs.uploads.find((u: any) => /key|bundle/.test(u.file));
            assert.match(upload(c, withKey.file), /^KEY\(/m);
            if (/bundle/.test(withKey.file)) {
                assert.strictEqual(withKey.permissions, "0600");
            }
        }
        for (const cert of ofType(g, "locallySignedCert:LocallySignedCert")) {
            assert.ok(isSecretValue(cert.raw.caPrivateKeyPem), `${cert.name} receives its CA key in the clear`);
        }
        const pulumi = await import("@pulumi/pulumi");
        assert.strictEqual(await (pulumi.isSecret(g.outputs.projectClientKeys) as any), true);
        assert.strictEqual(await (pulumi.isSecret(g.outputs.caCertificate) as any), false);
    });

    it("configures nginx with a server for every route, and a certificate for every route host", () => {
        const proxy = container(g, stackNames("dev").proxy);
        const config = upload(proxy, "/etc/nginx/conf.d/default.conf");
        const expected = { "backend.project-a.localhost": "project-a:3000", "web.project-a.localhost": "project-a:8080", "project-b.localhost": "project-b:80" };
        for (const [host, upstream] of Object.entries(expected)) {
            const at = config.indexOf(`server_name ${host};`);
            assert.ok(at > 0, `no server for ${host}`);
            assert.ok(config.slice(at).includes(`set $upstream ${upstream};`), `${host} -> ${upstream}`);
        }
        const csr = named(g, "proxy-tls-csr");
        assert.deepStrictEqual(csr.inputs.dnsNames, ["localhost", ...Object.keys(expected).sort()]);
        assert.strictEqual(upload(proxy, "/etc/nginx/certs/proxy.crt"), `CERT(proxy-tls-cert; signed by ${mockCaCert("local-ca-cert")})`);
        assert.strictEqual(proxy.inputs.stopSignal, "SIGQUIT");
    });

    it("has pulumi up check once that the proxy runs and nginx accepts its configuration, with no health check running forever", () => {
        const proxy = container(g, stackNames("dev").proxy);
        assert.deepStrictEqual(proxy.inputs.healthcheck, { tests: ["NONE"] });
        assert.ok(!proxy.inputs.wait, "the provider's wait needs a health check");
        const check = named(g, "proxy-check");
        assert.strictEqual(check.type, "pulumi-nodejs:dynamic/dind-compose:ContainerCheck");
        assert.strictEqual(check.inputs.containerId, "proxy-container-id");
        assert.deepStrictEqual(check.inputs.command, ["nginx", "-t", "-q"]);
        assert.ok(dependsOn(check, "proxy-container"));
    });

    it("runs the mirror as a read-only Docker Hub cache over TLS from the stack CA, trusted by every daemon", () => {
        const mirror = container(g, stackNames("dev").mirror);
        assert.ok(mirror.inputs.envs.includes("REGISTRY_HTTP_TLS_CERTIFICATE=/certs/mirror.crt"));
        assert.ok(mirror.inputs.envs.some((e: string) => e.startsWith("REGISTRY_PROXY_REMOTEURL=")), "proxy mode refuses pushes");
        assert.strictEqual(upload(mirror, "/certs/mirror.crt"), `CERT(mirror-tls-cert; signed by ${mockCaCert("local-ca-cert")})`);
        assert.match(mirror.inputs.healthcheck.tests.join(" "), /:1388 /);
        for (const p of projects) {
            const daemon = container(g, dev(p).daemon);
            assert.ok(daemon.inputs.command.includes("--registry-mirror=https://mirror:5000"));
            assert.strictEqual(upload(daemon, "/etc/docker/certs.d/mirror:5000/ca.crt"), mockCaCert("local-ca-cert"));
            assert.ok(!daemon.inputs.command.some((a: string) => a.includes("insecure-registr")));
        }
        assert.deepStrictEqual(ofType(g, "RegistryImage:RegistryImage"), [], "nothing is pushed anywhere");
    });

    it("makes every route host a name of the proxy on the edge network, listening on the host's ports", () => {
        const proxy = container(g, stackNames("dev").proxy);
        assert.deepStrictEqual(proxy.inputs.networksAdvanced[0].aliases, Object.keys(g.outputs.urls).sort());
        assert.deepStrictEqual(proxy.inputs.ports.map((p: any) => [p.internal, p.external]), [[80, 80], [443, 443]]);
    });

    it("exports URLs for every route over http and https", () => {
        assert.deepStrictEqual(g.outputs.urls["web.project-a.localhost"], { http: "http://web.project-a.localhost/", https: "https://web.project-a.localhost/" });
        assert.strictEqual(Object.keys(g.outputs.urls).length, 3);
    });
});

describe("resource graph: variants", function () {
    this.timeout(60000);

    it("with the mirror off: no registry image, no mirror, daemons without --registry-mirror", async () => {
        const g = await buildGraph(settings({ mirror: { enabled: false } }));
        assert.ok(!ofType(g, "RemoteImage:RemoteImage").some((r) => r.inputs.name === DEFAULT_IMAGES.registry));
        assert.ok(!ofType(g, ":Container").some((c) => c.inputs.name === stackNames("dev").mirror));
        for (const p of projects) {
            const daemon = container(g, projectNames("dev", p).daemon);
            assert.ok(!daemon.inputs.command.some((a: string) => a.startsWith("--registry-mirror")));
            assert.ok(!(daemon.inputs.uploads ?? []).some((u: any) => u.file.startsWith("/etc/docker/certs.d/")));
        }
        assert.strictEqual(g.outputs.mirrorEndpoint, undefined);
    });

    it("with dockerPort: publishes the daemon's TLS socket on 127.0.0.1 only, and exports it", async () => {
        const g = await buildGraph(settings({ projects: [{ ...exampleProjects[0], dockerPort: 12376 }, exampleProjects[1]] }));
        const daemon = container(g, projectNames("dev", "project-a").daemon);
        assert.deepStrictEqual(
            daemon.inputs.ports.map((p: any) => [p.ip, p.external, p.internal]),
            [["127.0.0.1", 12376, 2376]],
        );
        const dockerHost = await new Promise((resolve) => (g.outputs.projectDetails["project-a"] as any).dockerHost.apply(resolve));
        assert.strictEqual(dockerHost, "tcp://127.0.0.1:12376");
    });

    it("with bindAddress 0.0.0.0: the proxy listens there, and the settings carry a warning", async () => {
        const s = settings({ proxy: { bindAddress: "0.0.0.0", httpPort: 8080, httpsPort: 8443 } });
        assert.ok(s.warnings.some((w) => w.includes("0.0.0.0")), s.warnings.join("\n"));
        const g = await buildGraph(s);
        const ports = container(g, stackNames("dev").proxy).inputs.ports;
        assert.deepStrictEqual(ports.map((p: any) => [p.ip, p.external]), [["0.0.0.0", 8080], ["0.0.0.0", 8443]]);
    });

    it("with several stacks on one engine: no two objects share a name, whatever the stacks are called", async () => {
        const stacks: [string, { name: string; path: string }[]][] = [
            ["dev", [{ name: "a-b", path: "./examples/project-b" }]],
            ["dev-a", [{ name: "b", path: "./examples/project-b" }]],
            ["Dev", [{ name: "a-b", path: "./examples/project-b" }]],
        ];
        const seen = new Map<string, string>();
        for (const [stack, list] of stacks) {
            const g = await buildGraph(validateSettings({ projects: list, mirror: { enabled: false }, proxy: { httpPort: 1080, httpsPort: 1443 } }, stack, root));
            for (const r of g.resources.filter((r) => /:(Container|Network|Volume)$/.test(r.type))) {
                const other = seen.get(r.inputs.name);
                assert.strictEqual(other, undefined, `${r.inputs.name} of stack ${stack} is also an object of stack ${other}`);
                seen.set(r.inputs.name, stack);
            }
        }
    });

    it("with trustStackCa on one project: its runner applies the stack-CA override last, the other's does not", async () => {
        const g = await buildGraph(settings({ projects: [{ ...exampleProjects[0], trustStackCa: true }, exampleProjects[1]] }));
        const override = "/etc/dind-compose/stack-ca.compose.yaml";
        const trusting = container(g, projectNames("dev", "project-a").runner);
        const composeFile = trusting.inputs.envs.find((e: string) => e.startsWith("COMPOSE_FILE="));
        assert.ok(composeFile.endsWith(`:${override}`), composeFile);
        const text = upload(trusting, override);
        assert.ok(text.includes("CA-CERT(local-ca-cert)"), "the stack's CA, which signs the routes' certificates");
        assert.ok(text.includes("NODE_EXTRA_CA_CERTS"));
        const other = container(g, projectNames("dev", "project-b").runner);
        assert.ok(!other.inputs.envs.some((e: string) => e.includes(override)));
        assert.ok(!(other.inputs.uploads ?? []).some((u: any) => u.file === override));
    });

    it("without host images to preload: the daemon gets none and compose pulls as usual", async () => {
        const g = await buildGraph(settings({ preload: ["busybox:1.37"] }), {});
        assert.deepStrictEqual(named(g, "project-a-images").inputs.images, {});
    });
});
