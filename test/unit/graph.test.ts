// The resource graph of the dev stack under Pulumi mocks: the rules that make
// the environment safe and correct, checked on what the program registers.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    /** Inputs with secrets revealed, for reading. */
    inputs: any;
    /** Inputs as the engine would see them: secrets still wrapped. */
    raw: any;
    state: any;
}

/** How the runtime marks a secret value when it serialises inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const isSecretValue = (v: any) => typeof v === "object" && v !== null && v[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270";

function reveal(value: any): any {
    if (isSecretValue(value)) {
        return reveal(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(reveal);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

const registered: Registered[] = [];

/** Outputs the providers would compute, made recognisable so tests can follow them through the graph. */
function computedState(type: string, name: string, inputs: any): Record<string, unknown> {
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: `KEY(${name})`, publicKeyPem: `PUB(${name})` };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: `CA-CERT(${name})` };
        case "tls:index/certRequest:CertRequest":
            return { certRequestPem: `CSR(${name})` };
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { certPem: `CERT(${name}; signed by ${inputs.caCertPem})` };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `sha256:${inputs.name}` };
        case "docker:index/tag:Tag":
            return { sourceImageId: `sha256:${inputs.sourceImage}` };
        case "docker:index/registryImage:RegistryImage":
            return { sha256Digest: `sha256:pushed-${inputs.name}` };
        default:
            return {};
    }
}

const root = path.resolve(__dirname, "../..");

before(async function () {
    this.timeout(60000);
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs) };
                registered.push({ type: args.type, name: args.name, inputs: reveal(args.inputs), raw: args.inputs, state });
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`unexpected call to ${args.token}`);
            },
        },
        "dind-compose",
        "dev",
        false,
    );
    const config = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")).config;
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, JSON.stringify(v)])));
    process.chdir(root);
    const program: typeof import("../../index") = require("../../index");
    // Wait until every output the program exports has resolved, so every resource has registered.
    await new Promise<void>((resolve) => pulumi.all([program.urls, program.projectDetails, program.mirrorSeeded]).apply(() => resolve()));
    // Children register as their inputs resolve; wait until the graph stops growing.
    for (let seen = -1; seen !== registered.length; ) {
        seen = registered.length;
        await new Promise((resolve) => setTimeout(resolve, 300));
    }
});

const ofType = (suffix: string) => registered.filter((r) => r.type.toLowerCase().endsWith(suffix.toLowerCase()));
const container = (name: string) => {
    const found = registered.find((r) => r.type === "docker:index/container:Container" && r.inputs.name === name);
    assert.ok(found, `no container named ${name}; containers: ${ofType(":Container").map((c) => c.inputs.name)}`);
    return found!;
};
const upload = (c: Registered, file: string): string => {
    const found = (c.inputs.uploads ?? []).find((u: any) => u.file === file);
    assert.ok(found, `${c.inputs.name} has no upload ${file}`);
    return found.content;
};
const projects = ["project-a", "project-b"];

describe("resource graph of the dev stack", () => {
    it("gives each project its own CA", () => {
        const cas = ofType("SelfSignedCert:SelfSignedCert").map((r) => r.name);
        for (const p of projects) {
            assert.ok(cas.includes(`${p}-tls-ca-cert`), `${p} has no CA of its own: ${cas}`);
        }
        assert.strictEqual(new Set(cas).size, cas.length);
    });

    it("signs each runner's client certificate with its own project's CA, and uploads that into the runner", () => {
        for (const p of projects) {
            const runner = container(`dc-dev-${p}-runner`);
            const ca = upload(runner, "/certs/client/ca.pem");
            assert.strictEqual(ca, `CA-CERT(${p}-tls-ca-cert)`);
            assert.strictEqual(upload(runner, "/certs/client/cert.pem"), `CERT(${p}-tls-client-cert; signed by ${ca})`);
            const other = projects.find((o) => o !== p)!;
            assert.ok(!upload(runner, "/certs/client/cert.pem").includes(other));
        }
    });

    it("gives each daemon a server certificate from its project's CA with its container name, alias, localhost and 127.0.0.1", () => {
        for (const p of projects) {
            const daemon = container(`dc-dev-${p}-daemon`);
            assert.strictEqual(upload(daemon, "/certs/server/cert.pem"), `CERT(${p}-tls-server-cert; signed by CA-CERT(${p}-tls-ca-cert))`);
            const csr = registered.find((r) => r.name === `${p}-tls-server-csr`)!;
            assert.deepStrictEqual(csr.inputs.dnsNames, [`dc-dev-${p}-daemon`, p, "localhost"]);
            assert.deepStrictEqual(csr.inputs.ipAddresses, ["127.0.0.1"]);
        }
    });

    it("runs each daemon privileged with --tlsverify and no plain TCP listener", () => {
        for (const p of projects) {
            const { inputs } = container(`dc-dev-${p}-daemon`);
            assert.strictEqual(inputs.privileged, true);
            assert.strictEqual(inputs.command[0], "dockerd");
            assert.ok(inputs.command.includes("--tlsverify"));
            const hosts = inputs.command.filter((a: string) => a.startsWith("--host=") || a.startsWith("-H"));
            assert.deepStrictEqual(hosts, ["--host=unix:///var/run/docker.sock", "--host=tcp://0.0.0.0:2376"]);
            assert.ok(!inputs.command.join(" ").includes("2375"));
            assert.ok(inputs.healthcheck.tests.join(" ").includes("unix:///var/run/docker.sock"));
            assert.strictEqual(inputs.restart, "unless-stopped");
        }
    });

    it("mounts the project directory at its host path in daemon and runner, and runs compose from there", () => {
        for (const p of projects) {
            const dir = path.join(root, "examples", p);
            for (const role of ["daemon", "runner"]) {
                const binds = container(`dc-dev-${p}-${role}`).inputs.mounts.filter((m: any) => m.type === "bind");
                assert.deepStrictEqual(binds, [{ type: "bind", source: dir, target: dir }], `${p} ${role}`);
            }
            assert.strictEqual(container(`dc-dev-${p}-runner`).inputs.workingDir, dir);
            // Without its own tmpfs on /tmp, dind's setup would hide projects that live under /tmp.
            assert.deepStrictEqual(container(`dc-dev-${p}-daemon`).inputs.tmpfs, { "/tmp": "" });
        }
    });

    it("keeps each project's /var/lib/docker on a data volume of its own", () => {
        for (const p of projects) {
            const volume = ofType(":Volume").find((v) => v.inputs.name === `dc-dev-${p}-data`);
            assert.ok(volume, `no data volume for ${p}`);
            const mount = container(`dc-dev-${p}-daemon`).inputs.mounts.find((m: any) => m.target === "/var/lib/docker");
            assert.deepStrictEqual(mount, { type: "volume", source: `dc-dev-${p}-data`, target: "/var/lib/docker" });
        }
    });

    it("points each runner at its own daemon over verified TLS, under an init process", () => {
        for (const p of projects) {
            const { inputs } = container(`dc-dev-${p}-runner`);
            assert.ok(inputs.envs.includes(`DOCKER_HOST=tcp://${p}:2376`));
            assert.ok(inputs.envs.includes("DOCKER_TLS_VERIFY=1"));
            assert.ok(inputs.envs.includes("DOCKER_CERT_PATH=/certs/client"));
            assert.strictEqual(inputs.init, true);
            // pulumi up follows this runner until compose is up, and fails with compose's output when it fails.
            const ready = registered.find((r) => r.name === `${p}-runner-ready`);
            assert.ok(ready, `nothing waits for ${p}'s compose`);
            assert.strictEqual(ready!.inputs.runnerId, `${p}-runner-container-id`);
            assert.strictEqual(ready!.inputs.project, p);
        }
    });

    it("labels each runner with its compose digest and services", () => {
        const labels = (p: string) => Object.fromEntries(container(`dc-dev-${p}-runner`).inputs.labels.map((l: any) => [l.label, l.value]));
        assert.match(labels("project-a")["dind-compose.compose-digest"], /^[0-9a-f]{64}$/);
        assert.notStrictEqual(labels("project-a")["dind-compose.compose-digest"], labels("project-b")["dind-compose.compose-digest"]);
        assert.strictEqual(labels("project-a")["dind-compose.services"], "backend,web");
        assert.strictEqual(labels("project-b")["dind-compose.services"], "web");
    });

    it("labels every container, network and volume with stack and role, and project where it has one", () => {
        const objects = registered.filter((r) => /:(Container|Network|Volume)$/.test(r.type));
        assert.ok(objects.length >= 10);
        for (const o of objects) {
            const labels = Object.fromEntries(o.inputs.labels.map((l: any) => [l.label, l.value]));
            assert.strictEqual(labels["dind-compose.stack"], "dev", o.name);
            assert.ok(labels["dind-compose.role"], o.name);
            if (/^dc-dev-project-/.test(o.inputs.name)) {
                assert.ok(projects.includes(labels["dind-compose.project"]), o.name);
            }
        }
    });

    it("binds nothing to 0.0.0.0 by default", () => {
        const ports = ofType(":Container").flatMap((c) => (c.inputs.ports ?? []).map((p: any) => ({ ...p, container: c.inputs.name })));
        assert.ok(ports.length >= 3);
        for (const p of ports) {
            assert.strictEqual(p.ip, "127.0.0.1", `${p.container} publishes ${p.external} on ${p.ip}`);
        }
    });

    it("pins every image, never latest", () => {
        const images = ofType("RemoteImage:RemoteImage").map((r) => r.inputs.name);
        assert.strictEqual(images.length, 4);
        for (const image of images) {
            assert.match(image, /:[^/]+$/);
            assert.doesNotMatch(image, /:latest$/);
        }
        for (const c of ofType(":Container")) {
            assert.match(c.inputs.image, /^sha256:/, `${c.inputs.name} should run an image resolved by RemoteImage`);
        }
    });

    it("keeps private keys and client keys secret", async () => {
        // Every key reaches its container as a secret: the whole upload list is encrypted in the state.
        for (const name of ["dc-dev-project-a-daemon", "dc-dev-project-a-runner", "dc-dev-proxy", "dc-dev-mirror"]) {
            const c = container(name);
            assert.ok(isSecretValue(c.raw.uploads), `${name} uploads a private key in the clear`);
            assert.match(upload(c, c.inputs.uploads.find((u: any) => /key/.test(u.file)).file), /^KEY\(/);
        }
        for (const cert of ofType("locallySignedCert:LocallySignedCert")) {
            assert.ok(isSecretValue(cert.raw.caPrivateKeyPem), `${cert.name} receives its CA key in the clear`);
        }
        const program: typeof import("../../index") = require("../../index");
        assert.strictEqual(await (pulumi.isSecret(program.projectClientKeys) as any), true);
        assert.strictEqual(await (pulumi.isSecret(program.caCertificate) as any), false);
    });

    it("configures nginx with a server for every route, and a certificate for every route host", () => {
        const proxy = container("dc-dev-proxy");
        const config = upload(proxy, "/etc/nginx/conf.d/default.conf");
        const expected = { "a.project.localhost": "project-a:3000", "web.a.project.localhost": "project-a:8080", "b.project.localhost": "project-b:80" };
        for (const [host, upstream] of Object.entries(expected)) {
            const at = config.indexOf(`server_name ${host};`);
            assert.ok(at > 0, `no server for ${host}`);
            assert.ok(config.slice(at).includes(`set $upstream ${upstream};`), `${host} -> ${upstream}`);
        }
        const csr = registered.find((r) => r.name === "proxy-tls-csr")!;
        assert.deepStrictEqual(csr.inputs.dnsNames, ["localhost", ...Object.keys(expected).sort()]);
        assert.strictEqual(upload(proxy, "/etc/nginx/certs/proxy.crt"), "CERT(proxy-tls-cert; signed by CA-CERT(local-ca-cert))");
        assert.strictEqual(proxy.inputs.stopSignal, "SIGQUIT");
    });

    it("serves the mirror over TLS from the stack CA, trusted by every daemon, seeded before daemons start", () => {
        const mirror = container("dc-dev-mirror");
        assert.ok(mirror.inputs.envs.includes("REGISTRY_HTTP_TLS_CERTIFICATE=/certs/mirror.crt"));
        for (const p of projects) {
            const daemon = container(`dc-dev-${p}-daemon`);
            assert.ok(daemon.inputs.command.includes("--registry-mirror=https://mirror:5000"));
            assert.strictEqual(upload(daemon, "/etc/docker/certs.d/mirror:5000/ca.crt"), "CA-CERT(local-ca-cert)");
            assert.ok(!daemon.inputs.command.some((a: string) => a.includes("insecure-registr")));
        }
        const pushed = ofType("RegistryImage:RegistryImage").map((r) => r.inputs.name);
        assert.deepStrictEqual(pushed, ["127.0.0.1:5000/library/busybox:1.37"]);
    });

    it("exports URLs for every route over http and https", async () => {
        const program: typeof import("../../index") = require("../../index");
        assert.deepStrictEqual(program.urls["a.project.localhost"], { http: "http://a.project.localhost/", https: "https://a.project.localhost/" });
        assert.strictEqual(Object.keys(program.urls).length, 3);
    });
});
