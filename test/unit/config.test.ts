import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, DEFAULT_IMAGES, isPinnedImage, rawConfig, validateSettings } from "../../lib/config";

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
        assert.deepStrictEqual(settings.proxy, { bindAddress: "127.0.0.1", httpPort: 80, httpsPort: 443 });
        assert.deepStrictEqual(settings.images, DEFAULT_IMAGES);
        assert.deepStrictEqual(settings.mirror, { enabled: true, port: 5000, seed: [] });
        assert.deepStrictEqual(settings.timeouts, { daemonSeconds: 120, composeSeconds: 600 });
        assert.strictEqual(settings.projects[0].dir, path.join(root, "examples/project-a"));
        assert.strictEqual(settings.projects[0].compose.file, path.join(root, "examples/project-a/compose.yaml"));
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
            "dind-compose:proxi: unknown key; the keys are dind-compose:projects, dind-compose:proxy, dind-compose:images, dind-compose:mirror, dind-compose:timeouts",
            "dind-compose:proxy.bind: unknown key; the keys here are bindAddress, httpPort, httpsPort",
            "dind-compose:projects[0].rotues: unknown key; the keys here are name, path, composeFile, routes, dockerPort",
        ]);
    });

    it("rejects unpinned and latest images", () => {
        assert.match(onlyProblem({ projects: [projectB], images: { proxy: "nginx:latest" } }), /^dind-compose:images\.proxy: "nginx:latest" is not a pinned image; give an explicit tag other than "latest"/);
        assert.match(onlyProblem({ projects: [projectB], mirror: { seed: ["busybox"] } }), /^dind-compose:mirror\.seed\[0\]: "busybox" is not a pinned image/);
        assert.ok(isPinnedImage("registry.local:5000/team/app:1.2"));
        assert.ok(isPinnedImage("busybox@sha256:abc"));
        assert.ok(!isPinnedImage("registry.local:5000/team/app"));
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
        assert.match(settings.warnings[0], /port 81 of "b\.localhost" is not a published port in compose\.yaml/);
    });

    it("formats the error with the stack file and a line per problem", () => {
        const err = new ConfigError("dev", ["one", "two"]);
        assert.strictEqual(err.message, "invalid configuration in Pulumi.dev.yaml (2 problems):\n  - one\n  - two");
    });
});
