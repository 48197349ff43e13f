// Acceptance suite: the real program, the real `pulumi`, the real engine.
//
// It works in a copy of the project (program + examples) under a temporary
// directory, with its own stack (`e2e`), its own file backend and high host
// ports, so it never disturbs a developer's own stacks; it tears everything
// down even when a step fails. Steps run in order and build on each other.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { projectNames, stackNames } from "../../lib/names";
import { get, portIsFree, waitFor } from "../support/http";
import { PulumiWorkspace, cleanUpStack, containersLabelled, copyProgram, must, removeLabelled, repoRoot, run } from "../support/pulumiCli";

const STACK = "e2e";
const STACK_LABEL = "dind-compose.stack";
const HTTP = 18080;
const HTTPS = 18443;
const DOCKER_PORT = 12376;

const timings: Record<string, number> = {};

interface ProjectConfig {
    name: string;
    path: string;
    routes?: { host: string; port: number }[];
    dockerPort?: number;
}

describe("end to end: the example environment", function () {
    this.timeout(30 * 60 * 1000);

    let dir: string;
    let ws: PulumiWorkspace;
    let ca = "";
    const projects: ProjectConfig[] = [];

    const exampleDir = (name: string) => path.join(dir, "examples", name);

    /** Rewrites the stack file's config, keeping what `stack init` put there (the encryption salt). */
    function writeConfig(list: ProjectConfig[], extra: Record<string, unknown> = {}): void {
        const file = path.join(dir, `Pulumi.${STACK}.yaml`);
        const doc = fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8")) ?? {} : {};
        doc.config = {
            "dind-compose:projects": list,
            "dind-compose:proxy": { bindAddress: "127.0.0.1", httpPort: HTTP, httpsPort: HTTPS },
            // The stack's images are the defaults (lib/image-versions.json); the examples' busybox is loaded from the host
            // without listing it. No mirror: its upstream is Docker Hub, and tests send no traffic off the machine.
            "dind-compose:mirror": { enabled: false },
            "dind-compose:timeouts": { daemonSeconds: 60, composeSeconds: 60 },
            ...extra,
        };
        fs.writeFileSync(file, YAML.stringify(doc));
    }

    function up(label?: string): string {
        const result = ws.mustPulumi(["up", "--yes", "--skip-preview"]);
        if (label) {
            timings[label] = result.seconds;
        }
        return result.stdout;
    }

    /** Non-"same" steps of a preview, as [op, urn] pairs. */
    function plannedChanges(): [string, string][] {
        const result = ws.pulumi(["preview", "--json"]);
        assert.strictEqual(result.code, 0, `preview failed:\n${result.stderr}\n${result.stdout.slice(-3000)}`);
        const steps: { op: string; urn: string }[] = JSON.parse(result.stdout).steps ?? [];
        return steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => [s.op, s.urn]);
    }

    const urnName = (urn: string) => urn.split("::").pop()!;
    const names = (project: string) => projectNames(STACK, project);
    const containerId = (name: string) => must("docker", ["inspect", "-f", "{{.Id}}", name]).stdout.trim();
    const body = async (host: string, p = "/") => (await get(host, { port: HTTP, path: p })).body;

    before(async () => {
        for (const port of [HTTP, HTTPS, DOCKER_PORT]) {
            assert.ok(await portIsFree(port), `host port ${port}, which the e2e stack needs, is already in use on 127.0.0.1`);
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-e2e-"));
        copyProgram(dir, ["examples"]);
        removeLabelled(STACK_LABEL, STACK); // leftovers of an earlier run that was killed
        ws = new PulumiWorkspace(dir, STACK);
        ws.initStack();
        projects.push(
            { name: "project-a", path: "./examples/project-a", routes: [{ host: "a.project.localhost", port: 3000 }, { host: "web.a.project.localhost", port: 8080 }] },
            { name: "project-b", path: "./examples/project-b", routes: [{ host: "b.project.localhost", port: 80 }] },
        );
    });

    after(function () {
        this.timeout(15 * 60 * 1000);
        cleanUpStack(ws, STACK_LABEL, STACK);
        console.log("\n      timings (seconds):");
        for (const [what, seconds] of Object.entries(timings)) {
            console.log(`        ${what.padEnd(28)} ${seconds.toFixed(1)}`);
        }
    });

    it("rejects an invalid stack config at preview with the documented messages, creating nothing", () => {
        writeConfig([
            ...projects,
            { name: "project-c", path: "./examples/project-c-missing" },
            { name: "project-d", path: "./examples/project-b", routes: [{ host: "b.project.localhost", port: 80 }] },
        ]);
        const preview = ws.pulumi(["preview"]);
        const output = preview.stdout + preview.stderr;
        assert.notStrictEqual(preview.code, 0);
        assert.match(output, /dind-compose:projects\[2\] \(project "project-c"\)\.path: \.\/examples\/project-c-missing does not exist/);
        assert.match(output, /route host "b\.project\.localhost" is already routed to project "project-b"/);
        const upResult = ws.pulumi(["up", "--yes", "--skip-preview"]);
        assert.notStrictEqual(upResult.code, 0);
        assert.deepStrictEqual(containersLabelled(STACK_LABEL, STACK), []);
        assert.strictEqual(must("docker", ["volume", "ls", "-q", "--filter", `label=${STACK_LABEL}=${STACK}`]).stdout.trim(), "");
    });

    it("converges from empty: every route answers over HTTP, and over HTTPS verified against the stack's CA", async () => {
        writeConfig(projects);
        const output = up("cold up");
        // Progress while it happened, on each project's row: the daemon wait first, compose's phases last.
        for (const project of ["project-a", "project-b"]) {
            const lines = output.split("\n").filter((l) => new RegExp(`ComposeProject ${project} +\\S+ \\(\\S+\\) \\S`).test(l));
            // (A daemon that answers within a poll shows only the image load.)
            assert.match(lines.join("\n"), new RegExp(`waiting for the daemon dc-${STACK}\\.${project}\\.daemon|loading host image busybox:1\\.37`), `progress of ${project}:\n${output}`);
            assert.match(lines.join("\n"), /compose: waiting for the services/, `progress of ${project}:\n${output}`);
        }
        ca = JSON.parse(ws.mustPulumi(["stack", "output", "caCertificate", "--json"]).stdout);
        assert.match(ca, /BEGIN CERTIFICATE/);
        for (const [host, expected] of [
            ["a.project.localhost", "project-a backend"],
            ["web.a.project.localhost", "project-a web"],
            ["b.project.localhost", "project-b"],
        ]) {
            const plain = await get(host, { port: HTTP });
            assert.strictEqual(plain.status, 200, `${host} over http`);
            assert.ok(plain.body.includes(expected), `${host} over http served: ${plain.body.slice(0, 200)}`);
            const secure = await get(host, { scheme: "https", port: HTTPS, ca });
            assert.strictEqual(secure.status, 200, `${host} over https`);
            assert.ok(secure.body.includes(expected));
        }
        const urls = JSON.parse(ws.mustPulumi(["stack", "output", "urls", "--json"]).stdout);
        assert.deepStrictEqual(urls["b.project.localhost"], { http: `http://b.project.localhost:${HTTP}/`, https: `https://b.project.localhost:${HTTPS}/` });
    });

    it("passes Host and X-Forwarded-* to the project, and lists known routes for unknown hosts", async () => {
        const headers = await get("a.project.localhost", { port: HTTP, path: "/cgi-bin/headers" });
        assert.match(headers.body, new RegExp(`^host=a\\.project\\.localhost:${HTTP}$`, "m"));
        assert.match(headers.body, /^x-forwarded-proto=http$/m);
        assert.match(headers.body, new RegExp(`^x-forwarded-port=${HTTP}$`, "m"));
        assert.match(headers.body, /^x-forwarded-for=\d+\.\d+\.\d+\.\d+$/m);
        const secure = await get("a.project.localhost", { scheme: "https", port: HTTPS, ca, path: "/cgi-bin/headers" });
        assert.match(secure.body, /^x-forwarded-proto=https$/m);
        const unknown = await get("nobody.localhost", { port: HTTP });
        assert.strictEqual(unknown.status, 404);
        assert.ok(unknown.body.includes(`http://a.project.localhost:${HTTP}/`) && unknown.body.includes(`https://b.project.localhost:${HTTPS}/`));
    });

    it("keeps path parity: a file changed on the host under a bind mount is served changed, without a redeploy", async () => {
        const marker = `changed on the host at ${Date.now()}`;
        fs.writeFileSync(path.join(exampleDir("project-a"), "web", "index.html"), `<h1>project-a web</h1><p>${marker}</p>\n`);
        assert.ok((await body("web.a.project.localhost")).includes(marker));
        assert.ok((await body("a.project.localhost")).includes("Built from <code>backend/Dockerfile</code>"), "the build context ./ reached the daemon");
    });

    it("is idempotent: preview right after up expects no changes, and a no-op up changes nothing", () => {
        ws.mustPulumi(["preview", "--expect-no-changes"]);
        const noop = ws.mustPulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"]);
        timings["no-op up"] = noop.seconds;
        // The program's early start of the dynamic-provider host (an invoke it answers with an error) says nothing.
        assert.doesNotMatch(noop.stdout + noop.stderr, /dind-compose-start|unknown function/);
    });

    it("plans a compose edit as an update of that project's readiness check only, and applies it without replacing a container", async () => {
        const containers = [names("project-a").daemon, names("project-a").runner, names("project-b").daemon, names("project-b").runner, stackNames(STACK).proxy];
        const before = containers.map(containerId);
        const compose = path.join(exampleDir("project-b"), "compose.yaml");
        fs.mkdirSync(path.join(exampleDir("project-b"), "html-v2"));
        fs.writeFileSync(path.join(exampleDir("project-b"), "html-v2", "index.html"), "<h1>project-b v2</h1>\n");
        fs.writeFileSync(compose, fs.readFileSync(compose, "utf8").replace("./html:/srv:ro", "./html-v2:/srv:ro"));

        const changes = plannedChanges();
        assert.ok(changes.length > 0, "the edit must show in the preview");
        // The readiness check carries the compose digest; its update has the running runner re-run compose up.
        assert.deepStrictEqual(changes.map(([op, urn]) => `${op} ${urnName(urn)}`), ["update project-b-runner-ready"]);

        up("up after one compose edit");
        assert.ok((await body("b.project.localhost")).includes("project-b v2"));
        assert.deepStrictEqual(containers.map(containerId), before, "every container keeps its ID");
    });

    it("adds a project with only that project's resources and its route", async () => {
        fs.cpSync(exampleDir("project-b"), exampleDir("project-c"), { recursive: true });
        fs.writeFileSync(path.join(exampleDir("project-c"), "html-v2", "index.html"), "<h1>project-c</h1>\n");
        projects.push({ name: "project-c", path: "./examples/project-c", routes: [{ host: "c.project.localhost", port: 80 }] });
        writeConfig(projects);

        const changes = plannedChanges();
        const created = changes.filter(([op]) => op === "create").map(([, urn]) => urnName(urn));
        assert.ok(created.includes("project-c-daemon-container") && created.includes("project-c-runner-container") && created.includes("project-c-data-volume"), created.join(", "));
        for (const [op, urn] of changes) {
            const name = urnName(urn);
            const ok = name.startsWith("project-c") || name.startsWith("proxy");
            assert.ok(ok, `adding project-c must not ${op} ${urn}`);
        }
        up("up adding a project");
        assert.ok((await body("c.project.localhost")).includes("project-c"));
    });

    it("keeps inner named-volume data when a change replaces the project's daemon container", async () => {
        const first = JSON.parse(await body("a.project.localhost", "/cgi-bin/visits")).visits as number;
        const daemon = names("project-a").daemon;
        const daemonBefore = containerId(daemon);
        // Docker reports a local volume's CreatedAt as its directory's mtime, so mark the volume itself.
        const marker = `volume-marker-${Date.now()}`;
        must("docker", ["exec", daemon, "sh", "-c", `echo ${marker} > /var/lib/docker/.e2e-marker`]);

        // Publishing the daemon's TLS socket is an ordinary change that replaces its container.
        projects[0].dockerPort = DOCKER_PORT;
        writeConfig(projects);
        const changes = plannedChanges();
        assert.ok(changes.some(([op, urn]) => op.includes("replace") && urnName(urn) === "project-a-daemon-container"), JSON.stringify(changes));
        assert.ok(!changes.some(([, urn]) => urnName(urn).endsWith("-volume")), `no volume may change: ${JSON.stringify(changes)}`);
        up("up replacing a daemon");

        assert.notStrictEqual(containerId(daemon), daemonBefore, "the daemon container was replaced");
        assert.strictEqual(must("docker", ["exec", daemon, "cat", "/var/lib/docker/.e2e-marker"]).stdout.trim(), marker, "the same volume is mounted");
        // Wait on the front page: every request to /cgi-bin/visits counts a visit.
        await waitFor("project-a's backend after the daemon replacement", 120, async () => (await get("a.project.localhost", { port: HTTP })).status === 200);
        const second = JSON.parse(await body("a.project.localhost", "/cgi-bin/visits")).visits as number;
        assert.strictEqual(second, first + 1, "the visit counter in the inner named volume survived");
    });

    /** `dind-compose ARGS` on the e2e stack, as a developer runs it (with its state and passphrase). */
    /** Its own options go right after the command: whatever follows compose's PROJECT or exec's SERVICE is theirs. */
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        run(path.join(repoRoot, "cli", "dind-compose"), [args[0], "--cwd", dir, "--stack", STACK, ...args.slice(1)], { env: { ...ws.env, ...env }, timeoutSeconds: 120 });

    it("dind-compose status: tables of projects, services and live routes, JSON for scripts, exit 0 when healthy", async () => {
        // A daemon replaced by an earlier step may still be in its first health-check interval ("starting").
        await waitFor("dind-compose status to report the stack healthy", 60, async () => cli(["status"]).code === 0);
        const text = cli(["status"]);
        assert.strictEqual(text.code, 0, `status failed:\n${text.stdout}\n${text.stderr}`);
        assert.match(text.stdout, /^stack e2e: healthy$/m);
        assert.match(text.stdout, /^ok\s+project-a\s*$/m);
        assert.match(text.stdout, /^ok\s+\(daemon\)\s+running\s+healthy\s+dc-e2e\.project-b\.daemon$/m);
        assert.match(text.stdout, /^ok\s+web\s+running\s+-\s+80->80\/tcp$/m);
        assert.match(text.stdout, /^ok\s+http:\/\/b\.project\.localhost:18080\/\s+200$/m);
        const report = JSON.parse(cli(["status", "--json"]).stdout);
        assert.strictEqual(report.healthy, true);
        assert.deepStrictEqual(report.projects.map((p: { name: string }) => p.name).sort(), ["project-a", "project-b", "project-c"]); // project-c: added by an earlier step
        assert.ok(report.routes.every((r: { status: number }) => r.status === 200), JSON.stringify(report.routes));
    });

    it("dind-compose logs, compose and open reach the project; exec runs under a real pseudo-terminal", async () => {
        await body("b.project.localhost"); // a request for httpd -v to log
        const logs = cli(["logs", "project-b", "web", "--tail", "20"]);
        assert.strictEqual(logs.code, 0, logs.stderr);
        assert.match(logs.stdout, /web-1\s+\|/);
        const ps = cli(["compose", "project-b", "ps", "--format", "{{.Service}} {{.State}}"]);
        assert.strictEqual(ps.code, 0, ps.stderr);
        assert.strictEqual(ps.stdout.trim(), "web running");
        assert.strictEqual(cli(["open", "b.project.localhost", "--print"]).stdout.trim(), `https://b.project.localhost:${HTTPS}/`);
        // Without a terminal: the command's output and exit code come back.
        const plain = cli(["exec", "project-b", "web", "sh", "-c", "echo inside-$((6*7)); exit 3"]);
        assert.strictEqual(plain.code, 3, plain.stderr);
        assert.strictEqual(plain.stdout.trim(), "inside-42");
        // Under script(1)'s pseudo-terminal: exec is interactive, with a TTY inside the service's container.
        const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
        const line = [path.join(repoRoot, "cli", "dind-compose"), "exec", "--cwd", dir, "--stack", STACK, "project-b", "web", "sh", "-c", "tty; echo inside-tty"].map(quote).join(" ");
        const tty = run("script", ["-qec", line, "/dev/null"], { env: ws.env, timeoutSeconds: 120, input: "" });
        assert.strictEqual(tty.code, 0, `${tty.stdout}\n${tty.stderr}`);
        assert.match(tty.stdout, /\/dev\/pts\/\d+/);
        assert.match(tty.stdout, /inside-tty/);
    });

    it("dind-compose answers a wrong project, service, route or stack with one line saying what exists", () => {
        const cases: [string[], RegExp][] = [
            [["logs", "nope"], /^dind-compose: stack "e2e" has no project "nope" \(projects: project-a, project-b(, project-c)?\)$/],
            [["exec", "project-b", "db"], /^dind-compose: project project-b has no service "db" \(services: web\)$/],
            [["open", "x.localhost"], /^dind-compose: stack "e2e" has no route "x\.localhost" \(routes: /],
        ];
        for (const [args, message] of cases) {
            const r = cli(args);
            assert.strictEqual(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
            assert.match(r.stderr.trim(), message);
            assert.strictEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
        }
        const noStack = run(path.join(repoRoot, "cli", "dind-compose"), ["status", "--cwd", dir, "--stack", "nosuch"], { env: ws.env, timeoutSeconds: 120 });
        assert.match(noStack.stderr.trim(), /^dind-compose: no stack "nosuch" here \(stacks: e2e\)/);
    });

    it("dind-compose env points a developer's own docker CLI at the inner daemon (and only with that project's certificate)", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "dc-e2e-home-"));
        const out = cli(["env", "project-a"], { DIND_COMPOSE_HOME: home });
        assert.strictEqual(out.code, 0, out.stderr);
        const certs = path.join(home, "certs", STACK, "project-a");
        assert.strictEqual(fs.statSync(certs).mode & 0o777, 0o700);
        assert.strictEqual(fs.statSync(path.join(certs, "key.pem")).mode & 0o777, 0o600);
        const ps = run("sh", ["-c", `${out.stdout}\ndocker ps --format '{{.Names}}'`], { timeoutSeconds: 30 });
        assert.strictEqual(ps.code, 0, ps.stderr);
        assert.match(ps.stdout, /project-a-backend-1/);
        assert.match(out.stdout, new RegExp(`DOCKER_HOST='tcp://127\\.0\\.0\\.1:${DOCKER_PORT}'`));
        // Another project's client certificate, with its own key, is refused: a daemon trusts only its runner's.
        const other = cli(["env", "project-b"], { DIND_COMPOSE_HOME: home });
        assert.match(other.stderr, /project project-b does not publish its daemon: add "dockerPort: <port>"/);
        const details = JSON.parse(ws.mustPulumi(["stack", "output", "projectDetails", "--json"]).stdout)["project-b"];
        const keys = JSON.parse(ws.mustPulumi(["stack", "output", "projectClientKeys", "--json", "--show-secrets"]).stdout);
        fs.writeFileSync(path.join(certs, "cert.pem"), details.tlsClientCert);
        fs.writeFileSync(path.join(certs, "key.pem"), keys["project-b"]);
        const refused = run("sh", ["-c", `${out.stdout}\ndocker ps`], { timeoutSeconds: 30 });
        assert.notStrictEqual(refused.code, 0);
        assert.match(refused.stderr, /certificate|tls/i);
        fs.rmSync(home, { recursive: true, force: true });
    });

    it("dind-compose trust --check, trust and untrust on the stack's CA, in a scratch CA directory and NSS database", () => {
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dc-e2e-trust-"));
        fs.mkdirSync(path.join(scratch, "anchors"));
        fs.mkdirSync(path.join(scratch, "nssdb"));
        must("certutil", ["-N", "-d", `sql:${path.join(scratch, "nssdb")}`, "--empty-password"]);
        const env = { DIND_COMPOSE_TRUST_SYSTEM_DIR: path.join(scratch, "anchors"), DIND_COMPOSE_TRUST_SYSTEM_UPDATE: "", DIND_COMPOSE_TRUST_NSS_DBS: path.join(scratch, "nssdb") };
        const before = cli(["trust", "--check"], env);
        assert.strictEqual(before.code, 1);
        assert.match(before.stdout, /!!\s+system store .*: not trusted/);
        const trust = cli(["trust"], env);
        assert.strictEqual(trust.code, 0, trust.stdout + trust.stderr);
        assert.match(trust.stdout, /ok\s+NSS database .*: added as "dind-compose e2e local CA"/);
        const installed = fs.readFileSync(path.join(scratch, "anchors", "dind-compose-e2e.crt"), "utf8");
        assert.strictEqual(installed.trim(), ca.trim(), "the system store holds the stack's CA");
        const after = cli(["trust", "--check"], env);
        assert.strictEqual(after.code, 0, after.stdout);
        assert.strictEqual(cli(["untrust"], env).code, 0);
        assert.strictEqual(cli(["trust", "--check"], env).code, 1);
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("dind-compose status exits 1 and marks the service and its route when a service is down", async () => {
        assert.strictEqual(cli(["compose", "project-b", "stop", "web"]).code, 0);
        try {
            const status = cli(["status"]);
            assert.strictEqual(status.code, 1, status.stdout);
            assert.match(status.stdout, /^stack e2e: NOT HEALTHY$/m);
            assert.match(status.stdout, /^!!\s+web\s+exited \d+/m);
            assert.match(status.stdout, /^!!\s+http:\/\/b\.project\.localhost:18080\/\s+50[234]$/m);
        } finally {
            assert.strictEqual(cli(["compose", "project-b", "start", "web"]).code, 0);
            await waitFor("b.project.localhost to answer again", 60, async () => (await get("b.project.localhost", { port: HTTP })).status === 200);
        }
    });

    it("brings a killed daemon back by its restart policy, and its route answers again without touching the proxy", async () => {
        const proxyBefore = containerId(stackNames(STACK).proxy);
        const name = names("project-b").daemon;
        const restarts = Number(must("docker", ["inspect", "-f", "{{.RestartCount}}", name]).stdout.trim());
        const pid = must("docker", ["inspect", "-f", "{{.State.Pid}}", name]).stdout.trim();
        // What a daemon killed at the wrong moment leaves: containerd's pid file naming a PID that is running
        // when it starts again (here PID 1, always running). /run is a fresh tmpfs on every start, so it is gone.
        must("docker", ["exec", name, "sh", "-c", "echo 1 >/run/docker/containerd/containerd.pid"]);
        must("kill", ["-9", pid]);
        await waitFor("the daemon to be restarted", 60, async () => Number(must("docker", ["inspect", "-f", "{{.RestartCount}}", name]).stdout.trim()) > restarts);
        timings["route back after daemon kill"] = await waitFor("b.project.localhost to answer again", 180, async () => (await body("b.project.localhost")).includes("project-b v2"));
        assert.strictEqual(containerId(stackNames(STACK).proxy), proxyBefore);
    });

    it("fails pulumi up naming the project when its compose file is broken, keeps the others serving, and recovers once fixed", async () => {
        const compose = path.join(exampleDir("project-b"), "compose.yaml");
        const good = fs.readFileSync(compose, "utf8");
        fs.writeFileSync(compose, `${good}\n  broken:\n    build: ./no-such-directory\n`);
        const failed = ws.pulumi(["up", "--yes", "--skip-preview"]);
        const output = failed.stdout + failed.stderr;
        assert.notStrictEqual(failed.code, 0, "pulumi up must fail");
        // The error names the project and carries compose's own reason.
        assert.match(output, /error: project project-b: docker compose up exited with code \d+/);
        assert.match(output, /unable to prepare context: path ".*no-such-directory" not found/);
        timings["failing up (broken compose)"] = failed.seconds;
        assert.ok((await body("a.project.localhost")).includes("project-a backend"), "project-a keeps serving");

        fs.writeFileSync(compose, good);
        up("up recovering a broken project");
        assert.ok((await body("b.project.localhost")).includes("project-b v2"));
    });

    it("tears down clean: after destroy no container, network or volume labelled with the stack remains", () => {
        const destroy = ws.mustPulumi(["destroy", "--yes", "--skip-preview"]);
        timings["destroy"] = destroy.seconds;
        const filter = `label=${STACK_LABEL}=${STACK}`;
        assert.deepStrictEqual(containersLabelled(STACK_LABEL, STACK), []);
        assert.strictEqual(must("docker", ["network", "ls", "-q", "--filter", filter]).stdout.trim(), "");
        assert.strictEqual(must("docker", ["volume", "ls", "-q", "--filter", filter]).stdout.trim(), "");
    });
});
