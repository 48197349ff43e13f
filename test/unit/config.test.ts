import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, hostNameProblem, isPinnedImage, isImageReference, normaliseImage, rawConfig, validateSettings } from "../../lib/config";
import { DEFAULT_IMAGES } from "../../lib/images";

const root = path.resolve(__dirname, "../..");
const projectA = { name: "project-a", path: "./examples/project-a" };
const projectB = { name: "project-b", path: "./examples/project-b" };

/** The problems a config produces, or [] when it is valid. */
function problems(raw: Record<string, unknown>, projectRoot = root): string[] {
    try {
        validateSettings(raw, "dev", projectRoot);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return err.problems;
    }
}

function onlyProblem(raw: Record<string, unknown>, projectRoot = root): string {
    const found = problems(raw, projectRoot);
    assert.strictEqual(found.length, 1, `expected one problem, got:\n${found.join("\n")}`);
    return found[0];
}

function tempDir(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-config-"));
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

describe("stack configuration", () => {
    it("accepts the example projects and fills every default", () => {
        const settings = validateSettings({ projects: [projectA, projectB] }, "dev", root);
        assert.deepStrictEqual(settings.proxy, { bindAddress: "127.0.0.1", httpPort: 80, httpsPort: 443, domains: ["localhost"] });
        assert.deepStrictEqual(settings.images, { ...DEFAULT_IMAGES });
        assert.deepStrictEqual(settings.images.daemon, "dind-compose/daemon:26.1.5");
        assert.deepStrictEqual(settings.mirror, { enabled: true, upstream: "https://registry-1.docker.io" });
        assert.deepStrictEqual(settings.preload, []);
        assert.deepStrictEqual(settings.timeouts, { daemonSeconds: 120, composeSeconds: 600 });
        assert.strictEqual(settings.projects[0].dir, path.join(root, "examples/project-a"));
        assert.deepStrictEqual(settings.projects[0].compose.files, [path.join(root, "examples/project-a/compose.yaml")]);
    });

    it("derives routes from published ports when none are configured", () => {
        const settings = validateSettings({ projects: [projectA, projectB] }, "dev", root);
        assert.deepStrictEqual(settings.projects[1].routes, [{ host: "project-b.localhost", port: 80 }]);
        assert.deepStrictEqual(settings.projects[0].routes, [
            { host: "backend.project-a.localhost", port: 3000 },
            { host: "web.project-a.localhost", port: 8080 },
        ]);
    });

    it("decodes Pulumi's flat config map and ignores other namespaces", () => {
        const raw = rawConfig({ "dind-compose:projects": JSON.stringify([projectB]), "dind-compose:proxy": '{"httpPort": 8080}', "aws:region": "x" });
        assert.deepStrictEqual(raw, { projects: [projectB], proxy: { httpPort: 8080 } });
    });

    it("names the key, the project and the fix when a project directory is missing", () => {
        const problem = onlyProblem({ projects: [projectA, { name: "project-b", path: "./exmples/project-b" }] });
        assert.strictEqual(
            problem,
            `dind-compose:projects[1] (project "project-b").path: ./exmples/project-b does not exist or is not a directory ` +
                `(relative paths are resolved from the directory holding Pulumi.yaml, ${root})`,
        );
    });

    it("reports a directory without a compose file", () => {
        const dir = tempDir({ "README.md": "no compose here" });
        assert.match(onlyProblem({ projects: [{ name: "x", path: dir }] }), /^dind-compose:projects\[0\] \(project "x"\)\.path: no compose file in .* \(looked for compose\.yaml, compose\.yml, docker-compose\.yaml, docker-compose\.yml\)/);
    });

    it("reports a compose file that is not valid YAML with its file and line", () => {
        const dir = tempDir({ "compose.yaml": "services:\n  web:\n    image: busybox:1.37\n    ports: ['80:80'\n" });
        assert.match(onlyProblem({ projects: [{ name: "x", path: dir }] }), new RegExp(`^dind-compose:projects\\[0\\] \\(project "x"\\): ${dir}/compose\\.yaml:\\d+:\\d+: not valid YAML: .*; fix the compose file$`));
    });

    it("rejects duplicate project names", () => {
        assert.strictEqual(
            onlyProblem({ projects: [projectA, { ...projectB, name: "project-a" }] }),
            `dind-compose:projects[1].name: "project-a" is already the name of dind-compose:projects[0]; project names must be unique`,
        );
    });

    it("rejects a project name that is not a DNS label", () => {
        assert.match(onlyProblem({ projects: [{ ...projectA, name: "Project_A" }] }), /^dind-compose:projects\[0\]\.name: "Project_A" is not a DNS label; use 1-63 lower-case letters/);
    });

    it("rejects the same host routed to two projects", () => {
        const route = [{ host: "a.project.localhost", port: 3000 }];
        assert.strictEqual(
            onlyProblem({ projects: [{ ...projectA, routes: route }, { ...projectB, routes: route }] }),
            `dind-compose:projects (project "project-b"): route host "a.project.localhost" is already routed to project "project-a"; give one of them another host under its "routes"`,
        );
    });

    it("rejects ports out of range, naming the key", () => {
        assert.strictEqual(onlyProblem({ projects: [projectB], proxy: { httpPort: 70000 } }), `dind-compose:proxy.httpPort: 70000 is out of range; use a port number from 1 to 65535`);
        assert.match(onlyProblem({ projects: [{ ...projectB, routes: [{ host: "b.localhost", port: 0 }] }] }), /^dind-compose:projects\[0\] \(project "project-b"\)\.routes\[0\]\.port: 0 is out of range/);
    });

    it("rejects two things on one host port", () => {
        assert.strictEqual(
            onlyProblem({ projects: [{ ...projectB, dockerPort: 443 }] }),
            `dind-compose:projects (project "project-b").dockerPort: host port 443 is already used by dind-compose:proxy.httpsPort; choose another port`,
        );
    });

    it("rejects unknown keys at every level, listing the known ones", () => {
        const found = problems({ projects: [{ ...projectB, rotues: [] }], proxi: {}, proxy: { bind: "0.0.0.0" } });
        assert.deepStrictEqual(found, [
            "dind-compose:proxi: unknown key; the keys are dind-compose:projects, dind-compose:proxy, dind-compose:images, dind-compose:preload, dind-compose:mirror, dind-compose:timeouts",
            "dind-compose:proxy.bind: unknown key; the keys here are bindAddress, httpPort, httpsPort, domains",
            "dind-compose:projects[0].rotues: unknown key; the keys here are name, path, composeFile, composeFiles, profiles, environment, envFiles, trustStackCa, routes, dockerPort",
        ]);
    });

    it("rejects unpinned and latest images for the stack's own images", () => {
        assert.match(onlyProblem({ projects: [projectB], images: { proxy: "nginx:latest" } }), /^dind-compose:images\.proxy: "nginx:latest" is not a pinned image; give an explicit tag other than "latest"/);
        assert.match(onlyProblem({ projects: [projectB], images: { runner: "docker" } }), /^dind-compose:images\.runner: "docker" is not a pinned image/);
        assert.match(onlyProblem({ projects: [projectB], images: { daemon: "NGINX:1" } }), /^dind-compose:images\.daemon: "NGINX:1" is not a valid image reference/);
    });

    it("checks image references against the distribution reference grammar", () => {
        const digest = "sha256:" + "a".repeat(64);
        for (const ok of ["busybox", "busybox:1.37", "docker.io/library/busybox:1.37", "registry.local:5000/team/app:1.2", `busybox@${digest}`, `ghcr.io/x/y:v1@${digest}`, "localhost/a__b.c-d/e---f:T_1.x-y", "[::1]:5000/app:1", "REGISTRY.example/app:1"]) {
            assert.ok(isImageReference(ok), ok);
        }
        for (const bad of ["", "x@sha256:", "x@sha256:zz", "@sha256:" + "a".repeat(64), "NGINX:1", "nginx:", "nginx:-1", "a//b", "a/", "/a", "a_-b", "a..b", "a:1:2", "a b", "a:" + "t".repeat(129), "example.com:port/a", `x@sha256:${"A".repeat(64)}`, "a\n:1"]) {
            assert.ok(!isImageReference(bad), JSON.stringify(bad));
        }
        assert.ok(isPinnedImage("registry.local:5000/team/app:1.2"));
        assert.ok(isPinnedImage(`busybox@${digest}`));
        assert.ok(!isPinnedImage("busybox@sha256:abc"));
        assert.ok(!isPinnedImage("x@sha256:"));
        assert.ok(!isPinnedImage("NGINX:1"));
        assert.ok(!isPinnedImage("registry.local:5000/team/app"));
        assert.ok(!isPinnedImage("nginx:latest"));
    });

    it("normalises image references the way the engine does", () => {
        assert.strictEqual(normaliseImage("busybox"), "docker.io/library/busybox:latest");
        assert.strictEqual(normaliseImage("busybox:latest"), "docker.io/library/busybox:latest");
        assert.strictEqual(normaliseImage("docker.io/library/busybox:latest"), "docker.io/library/busybox:latest");
        assert.strictEqual(normaliseImage("index.docker.io/alice/app"), "docker.io/alice/app:latest");
        assert.strictEqual(normaliseImage("ghcr.io/x/y"), "ghcr.io/x/y:latest");
        assert.strictEqual(normaliseImage("localhost:5000/y:1"), "localhost:5000/y:1");
    });

    it("preloads the user's images, pinned or not, and refuses invalid references and duplicates naming both", () => {
        const settings = validateSettings({ projects: [projectB], preload: ["docker/getting-started", "ghcr.io/x/y", "busybox:1.37"] }, "dev", root);
        assert.deepStrictEqual(settings.preload, ["docker/getting-started", "ghcr.io/x/y", "busybox:1.37"]);
        assert.match(onlyProblem({ projects: [projectB], preload: ["busybox", "x@sha256:zz"] }), /^dind-compose:preload\[1\]: "x@sha256:zz" is not a valid image reference/);
        assert.strictEqual(
            onlyProblem({ projects: [projectB], preload: ["busybox", "alpine:3", "docker.io/library/busybox:latest"] }),
            `dind-compose:preload[2]: "docker.io/library/busybox:latest" is the same image as dind-compose:preload[0] ("busybox"); list it once`,
        );
        assert.match(onlyProblem({ projects: [projectB], preload: "busybox" }), /^dind-compose:preload: must be a list of image references/);
    });

    it("keeps mirror.enabled and upstream: port is ignored with a warning, seed moves to preload with a warning", () => {
        const settings = validateSettings({ projects: [projectB], preload: ["busybox:1.37", "alpine:3"], mirror: { enabled: false, port: 5000, seed: ["busybox:1.37", "redis"] } }, "dev", root);
        assert.deepStrictEqual(settings.mirror, { enabled: false, upstream: "https://registry-1.docker.io" });
        assert.deepStrictEqual(settings.preload, ["busybox:1.37", "alpine:3", "redis"]);
        assert.ok(settings.warnings.some((w) => /^dind-compose:mirror\.port: no longer used/.test(w)), settings.warnings.join("\n"));
        assert.ok(settings.warnings.some((w) => /^dind-compose:mirror\.seed: moved to dind-compose:preload/.test(w)), settings.warnings.join("\n"));
        assert.match(onlyProblem({ projects: [projectB], mirror: { seed: ["x@sha256:"] } }), /^dind-compose:mirror\.seed\[0\]: "x@sha256:" is not a valid image reference/);
    });

    it("no longer claims a host port for the mirror", () => {
        const settings = validateSettings({ projects: [{ ...projectB, dockerPort: 5000 }] }, "dev", root);
        assert.strictEqual(settings.projects[0].dockerPort, 5000);
    });

    it("requires a route's port instead of taking it as 0", () => {
        assert.strictEqual(
            onlyProblem({ projects: [{ ...projectB, routes: [{ host: "b.localhost" }] }] }),
            `dind-compose:projects[0] (project "project-b").routes[0].port: is missing; set it to a port published inside the project's daemon, e.g. 80`,
        );
    });

    it("refuses reserved project names, saying why and what to do", () => {
        for (const name of ["mirror", "proxy", "localhost"]) {
            const problem = onlyProblem({ projects: [{ ...projectB, name }] });
            assert.match(problem, new RegExp(`^dind-compose:projects\\[0\\]\\.name: "${name}" is reserved: .+; choose another name, e.g. "${name}-app"$`));
        }
        assert.match(onlyProblem({ projects: [{ ...projectB, name: "mirror" }] }), /the stack's registry mirror/);
        assert.match(onlyProblem({ projects: [{ ...projectB, name: "localhost" }] }), /would point the runner at itself/);
    });

    it("derives no route, with a warning, for a service name that is not a DNS label", () => {
        const dir = tempDir({ "compose.yaml": "services:\n  my_api: {image: 'busybox:1.37', ports: ['3000:3000']}\n  Web: {image: 'busybox:1.37', ports: ['8080:80']}\n" });
        const settings = validateSettings({ projects: [{ name: "x", path: dir }] }, "dev", root);
        assert.deepStrictEqual(settings.projects[0].routes, [{ host: "web.x.localhost", port: 8080 }]);
        assert.strictEqual(settings.warnings.length, 1, settings.warnings.join("\n"));
        assert.match(settings.warnings[0], /^dind-compose:projects\[0\] \(project "x"\): service "my_api" publishes port 3000 but its name cannot be a DNS label .*so that port gets no route; set "routes", e.g. \[\{host: my-api\.x\.localhost, port: 3000\}\]$/);
    });

    it("refuses a published port out of range that compose's loader lets through, instead of routing it", () => {
        const dir = tempDir({ "compose.yaml": "services:\n  web:\n    image: busybox:1.37\n    ports: [{target: 80, published: 70000}]\n" });
        assert.match(
            onlyProblem({ projects: [{ name: "x", path: dir }] }),
            /^dind-compose:projects\[0\] \(project "x"\): service "web" publishes port 70000, which is not a port number from 1 to 65535; fix the compose file$/,
        );
    });

    it("refuses a compose service name that would inject nginx directives", () => {
        const dir = tempDir({ "compose.yaml": 'services:\n  web: {image: "busybox:1.37", ports: ["80:80"]}\n  "a;\\n  location / { return 200; }\\n#": {image: "busybox:1.37", ports: ["81:81"]}\n' });
        assert.match(onlyProblem({ projects: [{ name: "x", path: dir }] }), /^dind-compose:projects\[0\] \(project "x"\): .*compose\.yaml:3:3: service name "a;\\n  location .* is not valid/);
    });

    it("refuses route hosts outside proxy.domains, naming the key and the fix", () => {
        const route = (host: string) => ({ projects: [{ ...projectB, routes: [{ host, port: 80 }] }] });
        assert.strictEqual(
            onlyProblem(route("accounts.google.com")),
            `dind-compose:projects[0] (project "project-b").routes[0].host: "accounts.google.com" is not under any of dind-compose:proxy.domains (localhost), ` +
                `and the stack's local CA must not vouch for it; use a name ending in .localhost, or add its domain to dind-compose:proxy.domains ` +
                `(the stack's CA will then vouch for every route under it, for every machine that trusts that CA)`,
        );
        assert.deepStrictEqual(problems(route("localhost")), []);
        assert.deepStrictEqual(problems(route("notlocalhost")), [
            `dind-compose:projects[0] (project "project-b").routes[0].host: "notlocalhost" is not under any of dind-compose:proxy.domains (localhost), ` +
                `and the stack's local CA must not vouch for it; use a name ending in .localhost, or add its domain to dind-compose:proxy.domains ` +
                `(the stack's CA will then vouch for every route under it, for every machine that trusts that CA)`,
        ]);
        const settings = validateSettings({ ...route("b.dev.example.com"), proxy: { domains: ["dev.example.com", "localhost"] } }, "dev", root);
        assert.deepStrictEqual(settings.proxy.domains, ["dev.example.com", "localhost"]);
    });

    it("derives routes under the first of proxy.domains", () => {
        const settings = validateSettings({ projects: [projectB], proxy: { domains: ["dev.example.com"] } }, "dev", root);
        assert.deepStrictEqual(settings.projects[0].routes, [{ host: "project-b.dev.example.com", port: 80 }]);
    });

    it("validates proxy.domains themselves", () => {
        const domains = (value: unknown) => problems({ projects: [{ ...projectB, routes: [{ host: "b.localhost", port: 80 }] }], proxy: { domains: value } });
        assert.match(domains([])[0], /^dind-compose:proxy\.domains: must list at least one domain/);
        assert.match(domains("localhost")[0], /^dind-compose:proxy\.domains: must be a list of DNS names/);
        assert.match(domains(["localhost", ""])[0], /^dind-compose:proxy\.domains\[1\]: "" is not a valid domain/);
        assert.match(domains(["localhost", "*.example.com"])[0], /^dind-compose:proxy\.domains\[1\]: "\*\.example\.com" is not a valid domain.*write the domain itself/);
        assert.match(domains(["localhost", "com"])[0], /^dind-compose:proxy\.domains\[1\]: "com" is a top-level domain: the stack's CA would vouch for every name under \.com/);
        assert.match(domains(["localhost", ".example.com"])[0], /^dind-compose:proxy\.domains\[1\]: "\.example\.com" is not a valid domain/);
        assert.match(domains(["localhost", "Example.com"])[0], /^dind-compose:proxy\.domains\[1\]: "Example\.com" is not a valid domain/);
        assert.match(domains(["localhost", "localhost"])[0], /^dind-compose:proxy\.domains\[1\]: "localhost" is already dind-compose:proxy\.domains\[0\]; list it once/);
        assert.deepStrictEqual(domains(["localhost", "test", "internal", "dev.example.com"]), []);
    });

    it("validates derived and configured hosts with one shared definition", () => {
        assert.strictEqual(hostNameProblem("a.project.localhost"), undefined);
        for (const bad of ["", "a..b", "-a.b", "a-.b", "A.b", "a_b.c", "a;b", "a\nb", "a b", "*.a", "_", "x".repeat(64) + ".localhost", ("a".repeat(60) + ".").repeat(5) + "localhost", "a.", ".a"]) {
            assert.ok(hostNameProblem(bad) !== undefined, JSON.stringify(bad));
        }
    });

    it("warns that a bind address beyond loopback shares every project on the network", () => {
        for (const bindAddress of ["0.0.0.0", "192.168.1.10"]) {
            const settings = validateSettings({ projects: [projectB], proxy: { bindAddress } }, "dev", root);
            assert.strictEqual(settings.warnings.length, 1);
            assert.match(settings.warnings[0], new RegExp(`^dind-compose:proxy\\.bindAddress: ${bindAddress.replace(/\./g, "\\.")} is not a loopback address: every project becomes reachable from the network`));
        }
        assert.deepStrictEqual(validateSettings({ projects: [projectB], proxy: { bindAddress: "127.0.0.2" } }, "dev", root).warnings, []);
    });

    it("says a path must be a string and a compose file name must not be empty", () => {
        assert.strictEqual(
            onlyProblem({ projects: [{ name: "x", path: 7 }] }),
            `dind-compose:projects[0] (project "x").path: 7 must be a string: the directory holding the project's compose file`,
        );
        assert.strictEqual(
            onlyProblem({ projects: [{ ...projectB, composeFile: "" }] }),
            `dind-compose:projects[0] (project "project-b").composeFile: must be a non-empty file name relative to the project directory, e.g. "compose.yaml"`,
        );
        assert.match(onlyProblem({ projects: [{ name: "x" }] }), /^dind-compose:projects\[0\] \(project "x"\)\.path: is missing; set it to the directory holding the project's compose file$/);
    });

    it("rejects a bind address that is not an IPv4 address", () => {
        assert.match(onlyProblem({ projects: [projectB], proxy: { bindAddress: "localhost" } }), /^dind-compose:proxy\.bindAddress: "localhost" is not an IPv4 address/);
    });

    it("reports every problem at once", () => {
        const found = problems({ projects: [{ name: "a" }, { name: "a", path: "./nope" }], proxy: { httpPort: -1 } });
        assert.strictEqual(found.length, 4, found.join("\n"));
    });

    it("warns, without failing, when a route targets a port nothing publishes", () => {
        const settings = validateSettings({ projects: [{ ...projectB, routes: [{ host: "b.localhost", port: 81 }] }] }, "dev", root);
        assert.strictEqual(settings.warnings.length, 1);
        assert.match(settings.warnings[0], /port 81 of "b\.localhost" is not a published port of its services/);
    });

    it("formats the error with the stack file and a line per problem", () => {
        const err = new ConfigError("dev", ["one", "two"]);
        assert.strictEqual(err.message, "invalid configuration in Pulumi.dev.yaml (2 problems):\n  - one\n  - two");
    });

    it("reads several compose files, profiles and interpolation values the way compose does", () => {
        const dir = tempDir({
            "compose.yaml": "services:\n  api:\n    image: busybox:1.37\n    ports: ['${API_PORT:-1}:80']\n  tools:\n    image: busybox:1.37\n    profiles: [tools]\n",
            "compose.dev.yaml": "services:\n  api:\n    environment: [DEV=1]\n",
        });
        const settings = validateSettings(
            { projects: [{ name: "p", path: dir, composeFiles: ["compose.yaml", "compose.dev.yaml"], profiles: ["tools"], environment: { API_PORT: 8081 } }] },
            "dev",
            root,
        );
        const p = settings.projects[0];
        assert.deepStrictEqual(p.compose.files, [path.join(dir, "compose.yaml"), path.join(dir, "compose.dev.yaml")]);
        assert.deepStrictEqual(p.compose.services, ["api", "tools"]);
        assert.deepStrictEqual(p.routes, [{ host: "p.localhost", port: 8081 }]);
        assert.strictEqual(p.environment.API_PORT, "8081");
        const withoutProfile = validateSettings({ projects: [{ name: "p", path: dir }] }, "dev", root).projects[0];
        assert.deepStrictEqual(withoutProfile.compose.services, ["api"]);
    });

    it("interpolates from envFiles instead of .env, as compose --env-file does, and digests them", () => {
        const dir = tempDir({
            "compose.yaml": "services:\n  api:\n    image: busybox:1.37\n    ports: ['${API_PORT:-1}:80']\n",
            ".env": "API_PORT=7000\n",
            "env/dev.env": "API_PORT=7001\n",
        });
        const withDotEnv = validateSettings({ projects: [{ name: "p", path: dir }] }, "dev", root).projects[0];
        assert.deepStrictEqual(withDotEnv.routes, [{ host: "p.localhost", port: 7000 }]);
        assert.deepStrictEqual(withDotEnv.envFiles, []);
        const read = () => validateSettings({ projects: [{ name: "p", path: dir, envFiles: ["env/dev.env"] }] }, "dev", root).projects[0];
        const p = read();
        assert.deepStrictEqual(p.routes, [{ host: "p.localhost", port: 7001 }]);
        assert.deepStrictEqual(p.envFiles, [path.join(dir, "env/dev.env")]);
        assert.ok(p.mounts.some((m) => (dir + "/env/dev.env").startsWith(m.source)), "the env file is mounted at its own path");
        fs.writeFileSync(path.join(dir, "env/dev.env"), "API_PORT=7001\nOTHER=1\n");
        assert.notStrictEqual(read().compose.digest, p.compose.digest, "an edit of an env file shows as a change");
    });

    it("names the key for a bad envFiles entry", () => {
        const dir = tempDir({ "compose.yaml": "services:\n  api:\n    image: busybox:1.37\n", "a,b.env": "" });
        const found = problems({ projects: [{ name: "p", path: dir, envFiles: ["missing.env", "a,b.env", 3] }] });
        assert.ok(found.some((p) => /projects\[0\] \(project "p"\)\.envFiles: must be a list of env file names/.test(p)), found.join("\n"));
        const found2 = problems({ projects: [{ name: "p", path: dir, envFiles: ["missing.env", "a,b.env"] }] });
        assert.ok(found2.some((p) => /\.envFiles\[0\]: missing\.env does not exist in /.test(p)), found2.join("\n"));
        assert.ok(found2.some((p) => /\.envFiles\[1\]: a,b\.env contains ','/.test(p)), found2.join("\n"));
    });

    it("names the key for bad compose options", () => {
        const found = problems({
            projects: [
                { ...projectB, composeFile: "compose.yaml", composeFiles: ["compose.yaml"] },
                { name: "b2", path: "./examples/project-b", composeFiles: ["nope.yaml"], profiles: ["bad profile"], environment: { "1X": "a", OK: { no: 1 } } },
            ],
        });
        assert.ok(found.some((p) => /projects\[0\] \(project "project-b"\): set composeFile or composeFiles, not both/.test(p)), found.join("\n"));
        assert.ok(found.some((p) => /projects\[1\] \(project "b2"\)\.composeFiles\[0\]: nope\.yaml does not exist/.test(p)), found.join("\n"));
        assert.ok(found.some((p) => /projects\[1\] \(project "b2"\)\.profiles: must be a list of profile names/.test(p)), found.join("\n"));
        assert.ok(found.some((p) => /\.environment\.1X: not a variable name/.test(p)), found.join("\n"));
        assert.ok(found.some((p) => /\.environment\.OK: .* must be a string, number or boolean/.test(p)), found.join("\n"));
    });

    it("reports what compose itself refuses, naming the project", () => {
        const dir = tempDir({ "compose.yaml": "services:\n  api:\n    image: busybox:1.37\n    env_file: ../missing.env\n" });
        const problem = onlyProblem({ projects: [{ name: "p", path: dir }] });
        assert.match(problem, /^dind-compose:projects\[0\] \(project "p"\): compose refuses the project: .*missing\.env/);
    });

    it("refuses to hand the host's Docker socket to a project", () => {
        const dir = tempDir({ "compose.yaml": "services:\n  ui:\n    image: busybox:1.37\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n" });
        assert.match(onlyProblem({ projects: [{ name: "p", path: dir }] }), /docker\.sock \(bind of ui\) cannot be shared with the project: it is a Docker socket/);
    });
});

describe("mirror upstream", () => {
    it("takes a registry URL and refuses one with credentials or another scheme", () => {
        const ok = validateSettings({ projects: [{ name: "p", path: "./examples/project-b" }], mirror: { upstream: "https://hub.example.com/" } }, "dev", path.resolve(__dirname, "../.."));
        assert.strictEqual(ok.mirror.upstream, "https://hub.example.com");
        for (const bad of ["ftp://x", "https://user:pw@x", "not a url", 5]) {
            assert.throws(
                () => validateSettings({ mirror: { upstream: bad } }, "dev", path.resolve(__dirname, "../..")),
                /dind-compose:mirror\.upstream: .* is not a registry URL/,
            );
        }
    });
});
