import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    ComposeModel,
    ComposeModelError,
    ComposeModelToolError,
    NormalisedProject,
    dockerfiles,
    findComposeModelTool,
    hostPaths,
    images,
    loadComposeModel,
    publishedPorts,
    services,
} from "../../lib/composeModel";

const FIXTURES = path.join(__dirname, "..", "fixtures", "compose");

function model(project: Pick<NormalisedProject, "services"> & Partial<NormalisedProject>, files: string[] = []): ComposeModel {
    return {
        project: { name: "p", ...project },
        files,
        composeFiles: files.slice(0, 1),
        envFiles: [],
        workingDir: "/srv/p",
        warnings: [],
        composeGo: "v2.4.8",
    };
}

const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A copy of a fixture project in a fresh temp directory (real path, as compose reports it). */
function fixture(name: string): string {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `dc-model-${name}-`)));
    tempDirs.push(dir);
    fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
    return dir;
}

describe("compose model: pure functions over the normalised JSON", () => {
    const normalised = model(
        {
            services: {
                web: {
                    image: "busybox:1.37",
                    ports: [
                        { mode: "ingress", target: 80, published: "8080", protocol: "tcp" },
                        { mode: "ingress", target: 53, published: "53", protocol: "udp" },
                        { mode: "ingress", target: 81, protocol: "tcp" },
                        { mode: "ingress", target: 82, published: "9000-9005", protocol: "tcp" },
                        { mode: "ingress", host_ip: "127.0.0.1", target: 443, published: "8443", protocol: "TCP" },
                    ],
                    volumes: [
                        { type: "bind", source: "/srv/p/web", target: "/www", read_only: true },
                        { type: "bind", source: "/srv/p/logs", target: "/logs" },
                        { type: "volume", source: "data", target: "/data" },
                        { type: "tmpfs", target: "/tmp" },
                        { type: "npipe", source: "\\\\.\\pipe\\docker_engine", target: "\\\\.\\pipe\\docker_engine" },
                    ],
                },
                api: {
                    image: "shop/api:dev",
                    build: { context: "/srv/p", dockerfile: "backend/Dockerfile", additional_contexts: { base: "docker-image://alpine:3", conf: "/srv/p/conf" } },
                    ports: [{ mode: "ingress", target: 3000, published: "3000" }],
                },
                worker: { build: { context: "/srv/p/worker", dockerfile: "/srv/shared/Dockerfile.worker" } },
                inline: { build: { context: "/srv/p/inline", dockerfile_inline: "FROM scratch" } },
                remote: { image: "remote/x:1", build: { context: "https://github.com/example/repo.git#main", dockerfile: "Dockerfile" } },
            },
            configs: { conf: { name: "p_conf", file: "/srv/p/app.conf" }, inline: { name: "p_inline", content: "x" } },
            secrets: { token: { name: "p_token", file: "/srv/p/token.txt" }, fromEnv: { name: "p_env", environment: "TOKEN" } },
            volumes: {
                data: { name: "p_data" },
                bound: { name: "p_bound", driver: "local", driver_opts: { type: "none", o: "bind", device: "/srv/p/bound" } },
                nfs: { name: "p_nfs", driver: "local", driver_opts: { type: "nfs", o: "addr=10.0.0.1", device: ":/export" } },
            },
        },
        ["/srv/p/compose.yaml", "/srv/p/.env", "/srv/p/app.env"],
    );

    it("lists the enabled services by name, sorted", () => {
        assert.deepStrictEqual(services(normalised), ["api", "inline", "remote", "web", "worker"]);
    });

    it("lists TCP ports published on a fixed host port, per service in name order, skipping UDP, random ports and ranges", () => {
        assert.deepStrictEqual(publishedPorts(normalised), [
            { service: "api", published: 3000, target: 3000 },
            { service: "web", published: 8080, target: 80 },
            { service: "web", published: 8443, target: 443, hostIp: "127.0.0.1" },
        ]);
    });

    it("lists every host path with whether containers may write to it, leaving out named volumes, tmpfs, npipes and remote contexts", () => {
        assert.deepStrictEqual(hostPaths(normalised), [
            { path: "/srv/p", kind: "build-context", writable: false, owner: "api" },
            { path: "/srv/p/.env", kind: "file", writable: false },
            { path: "/srv/p/app.conf", kind: "config", writable: false, owner: "conf" },
            { path: "/srv/p/app.env", kind: "file", writable: false },
            { path: "/srv/p/backend/Dockerfile", kind: "dockerfile", writable: false, owner: "api" },
            { path: "/srv/p/bound", kind: "volume-device", writable: true, owner: "bound" },
            { path: "/srv/p/compose.yaml", kind: "file", writable: false },
            { path: "/srv/p/conf", kind: "additional-context", writable: false, owner: "api" },
            { path: "/srv/p/inline", kind: "build-context", writable: false, owner: "inline" },
            { path: "/srv/p/logs", kind: "bind", writable: true, owner: "web" },
            { path: "/srv/p/token.txt", kind: "secret", writable: false, owner: "token" },
            { path: "/srv/p/web", kind: "bind", writable: false, owner: "web" },
            { path: "/srv/p/worker", kind: "build-context", writable: false, owner: "worker" },
            { path: "/srv/shared/Dockerfile.worker", kind: "dockerfile", writable: false, owner: "worker" },
        ]);
    });

    it("lists explicit images only, marking those compose builds itself", () => {
        assert.deepStrictEqual(images(normalised), [
            { service: "api", image: "shop/api:dev", built: true },
            { service: "remote", image: "remote/x:1", built: true },
            { service: "web", image: "busybox:1.37", built: false },
        ]);
    });

    it("lists the Dockerfiles compose builds from, absolute, without inline or remote ones", () => {
        assert.deepStrictEqual(dockerfiles(normalised), ["/srv/p/backend/Dockerfile", "/srv/shared/Dockerfile.worker"]);
    });
});

// Needs the tool scripts/compose-model.sh builds (provision.sh runs it); without it each test fails naming that script.
describe("compose model: compose's own loader (dind-compose-model)", function () {

    it("reads a build with context ./ and a Dockerfile in a subdirectory, and a relative bind mount", () => {
        const dir = fixture("build-context");
        const m = loadComposeModel({ projectDirectory: dir });
        assert.strictEqual(m.project.name, path.basename(dir).toLowerCase().replace(/[^a-z0-9_-]/g, ""));
        assert.strictEqual(m.workingDir, dir);
        assert.deepStrictEqual(services(m), ["backend", "web"]);
        assert.deepStrictEqual(m.project.services.backend.build, { context: dir, dockerfile: "backend/Dockerfile" });
        assert.deepStrictEqual(dockerfiles(m), [path.join(dir, "backend", "Dockerfile")]);
        assert.deepStrictEqual(publishedPorts(m), [
            { service: "backend", published: 8080, target: 80 },
            { service: "web", published: 8000, target: 8000 },
        ]);
        assert.deepStrictEqual(
            hostPaths(m).filter((p) => p.kind !== "file"),
            [
                { path: dir, kind: "build-context", writable: false, owner: "backend" },
                { path: path.join(dir, "backend", "Dockerfile"), kind: "dockerfile", writable: false, owner: "backend" },
                { path: path.join(dir, "web"), kind: "bind", writable: false, owner: "web" },
            ],
        );
        assert.deepStrictEqual(m.files, [path.join(dir, "compose.yaml")]);
        assert.deepStrictEqual(images(m), [{ service: "web", image: "busybox:1.37", built: false }]);
    });

    describe("a monorepo: compose file in deploy/, code in ../src", () => {
        let dir: string;
        let file: string;
        before(() => {
            dir = fixture("monorepo");
            file = path.join(dir, "deploy", "compose.yaml");
        });

        // As the runner runs compose: from the project directory, with --file and --project-name.
        const load = (extra: { profiles?: string[]; env?: Record<string, string> } = {}): ComposeModel =>
            loadComposeModel({ cwd: dir, files: [file], projectName: "shop", ...extra });

        it("interpolates ${API_PORT} from deploy/.env and normalises 9090/TCP to tcp", () => {
            assert.deepStrictEqual(publishedPorts(load()), [
                { service: "api", published: 18081, target: 8080 },
                { service: "api", published: 9090, target: 9090 },
                { service: "api", published: 8443, target: 443, hostIp: "127.0.0.1" },
            ]);
        });

        it("resolves ../src, ../shared and ../src/app.env from the compose file's directory, with read-only flags", () => {
            const m = load();
            assert.strictEqual(m.workingDir, path.join(dir, "deploy"));
            assert.deepStrictEqual(
                hostPaths(m).filter((p) => p.kind !== "file"),
                [
                    { path: path.join(dir, "deploy", "logs"), kind: "bind", writable: true, owner: "api" },
                    { path: path.join(dir, "shared"), kind: "bind", writable: false, owner: "api" },
                    { path: path.join(dir, "src"), kind: "build-context", writable: false, owner: "api" },
                    { path: path.join(dir, "src", "Dockerfile"), kind: "dockerfile", writable: false, owner: "api" },
                ],
            );
            assert.deepStrictEqual(m.files, [file, path.join(dir, "deploy", ".env"), path.join(dir, "src", "app.env")]);
            assert.deepStrictEqual(m.envFiles, [path.join(dir, "deploy", ".env")]);
        });

        it("merges <<: *base into each service and folds env_file into environment, as compose config does", () => {
            const m = load();
            assert.strictEqual(m.project.name, "shop");
            assert.strictEqual(m.project.services.api.restart, "unless-stopped");
            assert.strictEqual(m.project.services.migrate.restart, "no");
            assert.deepStrictEqual(m.project.services.api.environment, { APP_MODE: "dev", APP_SECRET: "from-app-env", TZ: "UTC" });
            assert.strictEqual(m.project.services.api.env_file, undefined);
            assert.deepStrictEqual(m.project.services.api.depends_on, { migrate: { condition: "service_completed_successfully", required: true } });
            assert.deepStrictEqual(images(m), [
                { service: "api", image: "monorepo/api:dev", built: true },
                { service: "migrate", image: "monorepo/api:dev", built: false },
            ]);
        });

        it("leaves the profile-only service out unless its profile is enabled", () => {
            assert.deepStrictEqual(services(load()), ["api", "migrate"]);
            const withTools = load({ profiles: ["tools"] });
            assert.deepStrictEqual(services(withTools), ["api", "migrate", "tools"]);
            assert.ok(publishedPorts(withTools).some((p) => p.service === "tools" && p.published === 9999));
            assert.deepStrictEqual(services(load({ env: { COMPOSE_PROFILES: "tools" } })), ["api", "migrate", "tools"]);
        });

        it("takes variables from the request's env ahead of .env, and none from the caller's environment", () => {
            process.env.APP_MODE = "leaked";
            try {
                const m = load({ env: { API_PORT: "28081" } });
                assert.strictEqual(publishedPorts(m)[0].published, 28081);
                assert.strictEqual(m.project.services.api.environment?.APP_MODE, "dev");
            } finally {
                delete process.env.APP_MODE;
            }
        });
    });

    it("applies a second -f file over the first: the moved port replaces the old one", () => {
        const dir = fixture("override");
        const one = loadComposeModel({ projectDirectory: dir, files: ["compose.yaml"] });
        assert.deepStrictEqual(publishedPorts(one), [{ service: "web", published: 8080, target: 80 }]);
        const both = loadComposeModel({ projectDirectory: dir, files: ["compose.yaml", "compose.ports.yaml"] });
        assert.deepStrictEqual(publishedPorts(both), [{ service: "web", published: 9090, target: 80 }]);
        assert.deepStrictEqual(both.files, [path.join(dir, "compose.yaml"), path.join(dir, "compose.ports.yaml")]);
    });

    it("records the files behind extends, env_file and label_file, and configs, secrets and bind-volume devices as host paths", () => {
        const dir = fixture("paths");
        const m = loadComposeModel({ projectDirectory: dir });
        assert.deepStrictEqual(m.files, [
            path.join(dir, "compose.yaml"),
            path.join(dir, "common", "base.yaml"),
            path.join(dir, "common", "base.env"),
            path.join(dir, "labels.properties"),
        ]);
        const byKind = (kind: string) => hostPaths(m).filter((p) => p.kind === kind);
        // The extended service's bind mount resolves from the extended file's directory.
        assert.deepStrictEqual(byKind("bind"), [
            { path: path.join(dir, "common", "conf"), kind: "bind", writable: false, owner: "app" },
            { path: path.join(dir, "data"), kind: "bind", writable: true, owner: "app" },
        ]);
        assert.deepStrictEqual(byKind("config"), [{ path: path.join(dir, "conf", "app.conf"), kind: "config", writable: false, owner: "app_conf" }]);
        assert.deepStrictEqual(byKind("secret"), [{ path: path.join(dir, "secrets", "token.txt"), kind: "secret", writable: false, owner: "token" }]);
        assert.deepStrictEqual(byKind("volume-device"), [{ path: path.join(dir, "data"), kind: "volume-device", writable: true, owner: "bound" }]);
        assert.deepStrictEqual(byKind("additional-context"), [
            { path: path.join(dir, "conf"), kind: "additional-context", writable: false, owner: "builder" },
        ]);
        assert.deepStrictEqual(dockerfiles(m), [path.join(dir, "builder", "Dockerfile")]);
        assert.deepStrictEqual(m.project.services.app.labels, { "com.example.team": "paths" });
    });

    it("reports a missing env_file with compose's own error, naming the file", () => {
        const dir = fixture("missing-env-file");
        assert.throws(
            () => loadComposeModel({ projectDirectory: dir }),
            (err: unknown) => {
                assert.ok(err instanceof ComposeModelError, String(err));
                assert.strictEqual(
                    err.composeMessage,
                    `env file ${path.join(dir, "missing.env")} not found: stat ${path.join(dir, "missing.env")}: no such file or directory`,
                );
                return true;
            },
        );
    });

    it("reports invalid YAML and unknown keys with compose's messages", () => {
        const dir = fixture("override");
        fs.writeFileSync(path.join(dir, "compose.yaml"), "services:\n  web:\n    image: busybox:1.37\n    portz: [80]\n");
        assert.throws(
            () => loadComposeModel({ projectDirectory: dir }),
            (err: unknown) =>
                err instanceof ComposeModelError &&
                err.message === `validating ${path.join(dir, "compose.yaml")}: services.web Additional property portz is not allowed`,
        );
        fs.writeFileSync(path.join(dir, "compose.yaml"), "services:\n  web:\n   image: a\n  - b\n");
        // compose-go names no file for YAML syntax errors; compose prints the same.
        assert.throws(
            () => loadComposeModel({ projectDirectory: dir }),
            (err: unknown) => err instanceof ComposeModelError && err.message === "yaml: line 1: did not find expected key",
        );
    });

});

describe("compose model: a missing tool", () => {
    it("names scripts/compose-model.sh", () => {
        const env = { PATH: "/nonexistent", DIND_COMPOSE_HOME: "/nonexistent/home" };
        assert.strictEqual(findComposeModelTool(env), undefined);
        assert.throws(
            () => loadComposeModel({ projectDirectory: FIXTURES }, env),
            (err: unknown) =>
                err instanceof ComposeModelToolError &&
                /dind-compose-model is not installed \(looked on PATH and in \/nonexistent\/home\/bin\).*scripts\/compose-model\.sh/.test(err.message),
        );
    });
});
