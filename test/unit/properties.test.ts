// Properties of validation and rendering together, over arbitrary stack
// configurations and compose files, hostile ones included: whatever a stack
// file or a compose file holds, validation either refuses it with problems
// that each name a key, or yields settings whose nginx configuration holds
// nothing but valid host names, `<label>:<port>` upstreams and the renderer's
// own fixed lines. No other exception ever escapes.

import * as assert from "assert";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, Settings, dnsLabelProblem, hostNameProblem, isImageReference, isPinnedImage, validateSettings } from "../../lib/config";
import { INFRA_IMAGES } from "../../lib/images";
import { projectNames } from "../../lib/names";
import { ProxyRoute, renderNginxConfig, renderUnknownHostPage, renderUpstreamDownPage } from "../../lib/nginx";

const STACK = "dev";
/** Runs per property; raise it (FC_RUNS=5000) to search harder after changing validation or rendering. */
const RUNS = Number(process.env.FC_RUNS ?? 200);

// ---------------------------------------------------------------- arbitraries

const hostileTokens = ["", ";", "\n", "\r\n", "{", "}", "$", "${x}", "'", '"', "\\", "#", " ", "\t", "\u0000", "é", "☃", "\u202e", "*", "_", ".", "-", "/", ":", "A"];
/** Strings made to break a config grammar: separators, quotes, newlines, unicode, very long. */
const hostile = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.array(fc.constantFrom(...hostileTokens, "a", "b", "0", "web", "localhost"), { maxLength: 12 }).map((parts) => parts.join("")),
    fc.constantFrom("a".repeat(64), "a".repeat(300), `${"a".repeat(63)}.`.repeat(5) + "localhost", "x;\n    location / { return 200; }\n#", "a.localhost b.localhost", "_", "~^.*$"),
);
const label = fc.constantFrom("a", "b", "web", "api", "project-a", "p1", "x-y", "mirror", "proxy", "localhost");
const labelish = fc.oneof({ weight: 3, arbitrary: label }, { weight: 1, arbitrary: hostile });
const hostish = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("a.localhost", "b.project.localhost", "localhost", "x.dev.example.com", "accounts.google.com", "a.test") },
    { weight: 2, arbitrary: fc.tuple(label, label).map(([a, b]) => `${a}.${b}.localhost`) },
    { weight: 1, arbitrary: hostile },
);
const anything = fc.jsonValue({ maxDepth: 2 });
const portish = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(80, 443, 3000, 8080, 18080) },
    { weight: 1, arbitrary: fc.integer({ min: -2, max: 70000 }) },
    { weight: 1, arbitrary: fc.constantFrom("80", "x", "80;", 0, 80.5, null, true) },
);
const imageish = fc.oneof(
    fc.constantFrom("busybox", "busybox:1.37", "docker.io/library/busybox:latest", "ghcr.io/x/y", "nginx:latest", "NGINX:1", "x@sha256:", `a@sha256:${"0".repeat(64)}`),
    hostile,
);
const domainsish = fc.oneof(
    fc.constant(undefined),
    fc.array(fc.oneof(fc.constantFrom("localhost", "test", "dev.example.com", "com", "*.example.com", ".x.y", ""), hostile), { maxLength: 3 }),
    anything,
);

/** A port entry of a compose service, short or long syntax, valid or not. */
const composePort = fc.oneof(
    fc.tuple(portish, portish).map(([p, t]) => `${p}:${t}`),
    fc.tuple(portish, portish, fc.constantFrom("tcp", "TCP", "udp", "Sctp")).map(([p, t, proto]) => `${p}:${t}/${proto}`),
    fc.tuple(portish, portish).map(([p, t]) => `127.0.0.1:${p}:${t}`),
    fc.record({ target: portish, published: portish, protocol: fc.constantFrom("tcp", "TCP", "udp") }, { requiredKeys: ["target"] }),
    hostile,
    anything,
);
const serviceName = fc.oneof({ weight: 3, arbitrary: fc.constantFrom("web", "api", "my_api", "Web", "db.v2", "-x", "a".repeat(70)) }, { weight: 2, arbitrary: hostile });
const composeModel = fc.dictionary(serviceName, fc.record({ image: fc.constant("busybox:1.37"), ports: fc.array(composePort, { maxLength: 3 }) }, { requiredKeys: ["image"] }), {
    maxKeys: 4,
});

/** Compose file text: a generated model, a template with anchors and merge keys, or anything at all. */
const composeText = fc.oneof(
    { weight: 3, arbitrary: composeModel.map((services) => YAML.stringify({ services })) },
    {
        weight: 2,
        arbitrary: fc.tuple(serviceName, serviceName, composePort).map(
            ([a, b, port]) =>
                `x-base: &base\n  image: busybox:1.37\n  ports: [${JSON.stringify(port)}]\n` + `services:\n  ${JSON.stringify(a)}:\n    <<: *base\n  ${JSON.stringify(b)}: *base\n`,
        ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constantFrom("services:\n  web: *nope\n", "a: &a [*a]\nservices: {w: {}}\n", "services:\n  w: {image: x}\n---\nb: 1\n") },
);

interface GeneratedProject {
    readonly raw: Record<string, unknown>;
    /** Written to <dir>/<file> when set; the project's path points there unless it is hostile. */
    readonly compose: string | undefined;
    readonly composeFile: string | undefined;
    readonly pathKind: "dir" | "other";
    readonly otherPath: unknown;
}

/** Marks a list of generated projects, as opposed to an arbitrary value given as `projects`. */
class GeneratedProjects {
    constructor(readonly list: GeneratedProject[]) {}
}

const project: fc.Arbitrary<GeneratedProject> = fc.record({
    raw: fc.record(
        {
            name: fc.oneof(labelish, anything),
            routes: fc.oneof(fc.array(fc.record({ host: fc.oneof(hostish, anything), port: portish }, { requiredKeys: [] }), { maxLength: 3 }), anything),
            dockerPort: portish,
        },
        { requiredKeys: [] },
    ),
    compose: fc.option(composeText, { nil: undefined }),
    composeFile: fc.option(fc.oneof(fc.constantFrom("compose.yaml", "other.yml", ""), hostile), { nil: undefined }),
    pathKind: fc.constantFrom("dir", "dir", "dir", "other"),
    otherPath: fc.oneof(hostile, anything),
});

const config = fc.record(
    {
        projects: fc.oneof({ weight: 5, arbitrary: fc.array(project, { maxLength: 3 }).map((list) => new GeneratedProjects(list)) }, { weight: 1, arbitrary: anything }),
        proxy: fc.oneof(
            fc.record(
                {
                    bindAddress: fc.oneof(fc.constantFrom("127.0.0.1", "0.0.0.0", "10.0.0.1", "localhost", "1.2.3.256"), hostile),
                    httpPort: portish,
                    httpsPort: portish,
                    domains: domainsish,
                },
                { requiredKeys: [] },
            ),
            anything,
        ),
        images: fc.oneof(fc.dictionary(fc.constantFrom(...INFRA_IMAGES, "other"), imageish, { maxKeys: 3 }), anything),
        preload: fc.oneof(fc.array(imageish, { maxLength: 4 }), anything),
        mirror: fc.oneof(fc.record({ enabled: fc.oneof(fc.boolean(), anything), port: portish, seed: fc.oneof(fc.array(imageish, { maxLength: 3 }), anything) }, { requiredKeys: [] }), anything),
        timeouts: fc.oneof(fc.record({ daemonSeconds: portish, composeSeconds: portish }, { requiredKeys: [] }), anything),
        unknown: anything,
    },
    { requiredKeys: [] },
);

/**
 * Mostly valid configurations with a hostile value here and there, so that
 * many runs pass validation and reach the renderer.
 */
const plausibleServiceName = fc.oneof({ weight: 12, arbitrary: fc.constantFrom("web", "api", "db", "my_api", "Web", "db.v2", "x-1") }, { weight: 1, arbitrary: hostile });
const plausiblePort = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(80, 3000, 8080, 9000), fc.constantFrom(80, 3000)).map(([p, t]) => `${p}:${t}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(81, 3001), fc.constantFrom("tcp", "TCP", "udp")).map(([p, proto]) => `${p}:80/${proto}`) },
    { weight: 1, arbitrary: fc.record({ target: fc.constant(80), published: fc.constantFrom(8081, "8082") }) },
    { weight: 1, arbitrary: composePort },
);
const plausibleCompose = fc
    .dictionary(plausibleServiceName, fc.record({ image: fc.constant("busybox:1.37"), ports: fc.array(plausiblePort, { maxLength: 2 }) }), { minKeys: 1, maxKeys: 3 })
    .map((services) => YAML.stringify({ services }));
const plausibleProject: fc.Arbitrary<GeneratedProject> = fc.record({
    raw: fc.record(
        {
            name: fc.oneof({ weight: 8, arbitrary: fc.constantFrom("a", "b", "web", "api", "p1", "x-y", "project-a") }, { weight: 1, arbitrary: labelish }),
            routes: fc.array(fc.record({ host: fc.oneof({ weight: 4, arbitrary: fc.tuple(label, label).map(([a, b]) => `${a}.${b}.localhost`) }, { weight: 1, arbitrary: hostish }), port: fc.constantFrom(80, 3000, 8080) }), {
                maxLength: 2,
            }),
        },
        // Without routes half the time: derived routes are where service names reach nginx.
        { requiredKeys: ["name"] },
    ),
    compose: plausibleCompose,
    composeFile: fc.constant(undefined),
    pathKind: fc.constant("dir" as const),
    otherPath: fc.constant(undefined),
});
const plausibleConfig = fc.record(
    {
        projects: fc.array(plausibleProject, { minLength: 1, maxLength: 3 }).map((list) => new GeneratedProjects(list)),
        proxy: fc.record(
            {
                bindAddress: fc.constantFrom("127.0.0.1", "0.0.0.0"),
                httpPort: fc.constantFrom(80, 18080),
                httpsPort: fc.constantFrom(443, 18443),
                domains: fc.constantFrom(["localhost"], ["localhost", "dev.example.com"], ["dev.example.com", "test"]),
            },
            { requiredKeys: [] },
        ),
        preload: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom("busybox:1.37", "ghcr.io/x/y", "docker/getting-started") }, { weight: 1, arbitrary: imageish }), { maxLength: 2 }),
        mirror: fc.record({ enabled: fc.boolean() }),
    },
    { requiredKeys: ["projects"] },
);

// ------------------------------------------------------- the rendered grammar

const PORTS = { httpPort: 18080, httpsPort: 18443 };

/** nginx lines that carry values, each with a check of what it carries. */
const VALUE_LINES: { shape: RegExp; check: (m: RegExpExecArray) => string | undefined }[] = [
    { shape: /^    server_name (.*);$/, check: (m) => (m[1] === "_" ? undefined : hostNameProblem(m[1])) },
    { shape: /^        set \$upstream ([^:]*):([0-9]+);$/, check: (m) => dnsLabelProblem(m[1]) ?? portCheck(m[2]) },
    { shape: /^# (\S+) -> project (\S+), port ([0-9]+) of its daemon$/, check: (m) => hostNameProblem(m[1]) ?? dnsLabelProblem(m[2]) ?? portCheck(m[3]) },
    { shape: /^    (?:https|default) ([0-9]+);$/, check: (m) => portCheck(m[1]) },
    { shape: /^    listen ([0-9]+)(?: ssl)?(?: default_server)?;$/, check: (m) => portCheck(m[1]) },
    { shape: /^server_names_hash_max_size ([0-9]+);$/, check: (m) => (/^(1024|2048|4096|8192|16384|32768|65536)$/.test(m[1]) ? undefined : `hash size ${m[1]}`) },
];

function portCheck(text: string): string | undefined {
    const port = Number(text);
    return port >= 1 && port <= 65535 ? undefined : `port ${text}`;
}

/** Every line without a value, as the renderer writes it (read from a known-good rendering). */
const FIXED_LINES = new Set(
    renderNginxConfig([{ host: "a.localhost", upstream: "a", port: 80, project: "a" }], PORTS)
        .split("\n")
        .filter((line) => !VALUE_LINES.some((v) => v.shape.test(line))),
);

/** Throws unless every line of `config` is a fixed line or a value line carrying valid values. */
function assertGrammar(config: string): void {
    for (const line of config.split("\n")) {
        if (FIXED_LINES.has(line)) {
            continue;
        }
        const shape = VALUE_LINES.map((v) => ({ v, m: v.shape.exec(line) })).find((x) => x.m !== null);
        assert.ok(shape !== undefined, `unexpected line in nginx config: ${JSON.stringify(line)}`);
        const problem = shape.v.check(shape.m!);
        assert.strictEqual(problem, undefined, `bad value in ${JSON.stringify(line)}: ${problem}`);
    }
}

function proxyRoutes(settings: Settings): ProxyRoute[] {
    return settings.projects.flatMap((p) => p.routes.map((r) => ({ host: r.host, port: r.port, upstream: projectNames(settings.stack, p.name).alias, project: p.name })));
}

/** Writes the generated projects' compose files under `root` and returns the raw config that points at them. */
function materialise(raw: Record<string, unknown>, root: string): Record<string, unknown> {
    if (!(raw.projects instanceof GeneratedProjects)) {
        return raw;
    }
    const projects = raw.projects.list.map((p, i) => {
        const dir = path.join(root, `p${i}`);
        fs.mkdirSync(dir);
        if (p.compose !== undefined) {
            const file = p.composeFile === "other.yml" ? p.composeFile : "compose.yaml";
            fs.writeFileSync(path.join(dir, file), p.compose);
        }
        return {
            ...p.raw,
            path: p.pathKind === "dir" ? dir : p.otherPath,
            ...(p.composeFile !== undefined ? { composeFile: p.composeFile } : {}),
        };
    });
    return { ...raw, projects };
}

// ---------------------------------------------------------------- properties

describe("validation and rendering, for arbitrary input", function () {
    this.timeout(Math.max(20_000, RUNS * 20));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dc-properties-"));
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("either refuses with problems that each name a key, or renders only valid hosts, upstreams and fixed lines", () => {
        let run = 0;
        let accepted = 0;
        let routed = 0;
        fc.assert(
            fc.property(fc.oneof({ weight: 1, arbitrary: config }, { weight: 2, arbitrary: plausibleConfig }), (generated) => {
                const dir = path.join(root, `run${run++}`);
                fs.mkdirSync(dir);
                const raw = materialise(generated as Record<string, unknown>, dir);
                let settings: Settings;
                try {
                    settings = validateSettings(raw, STACK, dir);
                } catch (err) {
                    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err instanceof Error ? err.stack : String(err)}`);
                    assert.ok(err.problems.length > 0);
                    for (const problem of err.problems) {
                        assert.ok(problem.startsWith("dind-compose:"), `problem names no key: ${JSON.stringify(problem)}`);
                    }
                    return;
                }
                accepted++;
                for (const warning of settings.warnings) {
                    assert.ok(warning.startsWith("dind-compose:"), `warning names no key: ${JSON.stringify(warning)}`);
                }
                for (const role of INFRA_IMAGES) {
                    assert.ok(isPinnedImage(settings.images[role]), settings.images[role]);
                }
                settings.preload.forEach((ref) => assert.ok(isImageReference(ref), ref));
                const routes = proxyRoutes(settings);
                routed += routes.length;
                for (const route of routes) {
                    assert.ok(
                        settings.proxy.domains.some((d) => route.host === d || route.host.endsWith(`.${d}`)),
                        `${route.host} is under none of ${settings.proxy.domains.join(", ")}`,
                    );
                }
                const ports = { httpPort: settings.proxy.httpPort, httpsPort: settings.proxy.httpsPort };
                assertGrammar(renderNginxConfig(routes, ports));
                renderUnknownHostPage(settings.stack, routes, ports);
                renderUpstreamDownPage(settings.stack, routes);
            }),
            { numRuns: RUNS },
        );
        // The generators must reach the renderer, or the second half of the property says nothing.
        if (process.env.FC_STATS) console.log({ accepted, routed });
        assert.ok(accepted >= RUNS / 20 && routed >= RUNS / 20, `only ${accepted} configs accepted with ${routed} routes: the generators need tuning`);
    });

    it("keeps hostile compose service names out of the nginx config", () => {
        fc.assert(
            fc.property(fc.array(fc.tuple(serviceName, composePort), { minLength: 1, maxLength: 4 }), (services) => {
                const dir = fs.mkdtempSync(path.join(root, "svc-"));
                const text = "services:\n" + services.map(([name, port], i) => `  ${JSON.stringify(name)}:\n    image: busybox:1.37\n    ports: [${JSON.stringify(port)}]\n    labels: {i: "${i}"}\n`).join("");
                fs.writeFileSync(path.join(dir, "compose.yaml"), text);
                let settings: Settings;
                try {
                    settings = validateSettings({ projects: [{ name: "x", path: dir }] }, STACK, dir);
                } catch (err) {
                    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err instanceof Error ? err.stack : String(err)}`);
                    err.problems.forEach((p) => assert.ok(p.startsWith("dind-compose:"), p));
                    return;
                }
                assertGrammar(renderNginxConfig(proxyRoutes(settings), PORTS));
            }),
            { numRuns: RUNS },
        );
    });

    it("never lets the renderer emit a line outside its grammar, even for routes that skipped validation", () => {
        const route = fc.record({ host: hostish, upstream: labelish, port: fc.oneof(portish, fc.integer()) as fc.Arbitrary<number>, project: labelish });
        fc.assert(
            fc.property(fc.array(route, { maxLength: 4 }), fc.record({ httpPort: portish, httpsPort: portish }) as fc.Arbitrary<{ httpPort: number; httpsPort: number }>, (routes, ports) => {
                let config: string;
                try {
                    config = renderNginxConfig(routes, ports);
                } catch (err) {
                    assert.match(String(err), /^Error: nginx configuration: /);
                    return;
                }
                assertGrammar(config);
            }),
            { numRuns: RUNS },
        );
    });
});
