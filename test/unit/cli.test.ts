// The dind-compose command's pure parts: argument parsing, status judging and
// formatting, the docker env files and export lines, and trust in scratch
// stores (a scratch CA directory and a scratch NSS database, never the
// machine's own).

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError, parseCommand } from "../../cli/args";
import { shellQuote, writeDockerEnv } from "../../cli/dockerEnv";
import { formatStatus, judge, parseComposePs, type ProjectStatus } from "../../cli/status";
import { caFileName, checkTrust, installTrust, removeTrust } from "../../cli/trust";

const throwsUsage = (argv: string[], pattern: RegExp) => assert.throws(() => parseCommand(argv), (err: Error) => err instanceof UsageError && pattern.test(err.message));

describe("dind-compose arguments", () => {
    it("parses every command with its options, and --stack/--cwd anywhere before pass-through arguments", () => {
        assert.deepStrictEqual(parseCommand(["status", "--json", "--stack", "e2e"]), { name: "status", json: true, stack: "e2e", cwd: undefined });
        assert.deepStrictEqual(parseCommand(["logs", "a", "web", "db", "-f", "--since", "10m", "--tail", "5"]), {
            name: "logs", project: "a", services: ["web", "db"], follow: true, since: "10m", tail: "5", stack: undefined, cwd: undefined,
        });
        assert.deepStrictEqual(parseCommand(["env", "a", "--cwd", "/x"]), { name: "env", project: "a", stack: undefined, cwd: "/x" });
        assert.deepStrictEqual(parseCommand(["trust", "--check"]), { name: "trust", check: true, stack: undefined, cwd: undefined });
        assert.deepStrictEqual(parseCommand(["open", "a.project.localhost", "--print"]), { name: "open", route: "a.project.localhost", print: true, stack: undefined, cwd: undefined });
    });

    it("hands everything after exec's SERVICE and compose's PROJECT to the inner command, options included", () => {
        assert.deepStrictEqual(parseCommand(["exec", "--stack", "s", "a", "web", "ls", "-la", "--stack", "x"]), {
            name: "exec", project: "a", service: "web", command: ["ls", "-la", "--stack", "x"], stack: "s", cwd: undefined,
        });
        assert.deepStrictEqual(parseCommand(["exec", "a", "web"]).name === "exec" && (parseCommand(["exec", "a", "web"]) as any).command, []);
        assert.deepStrictEqual(parseCommand(["compose", "a", "ps", "--all", "-q"]), { name: "compose", project: "a", args: ["ps", "--all", "-q"], stack: undefined, cwd: undefined });
        assert.deepStrictEqual((parseCommand(["exec", "a", "web", "--", "-x"]) as any).command, ["-x"]);
    });

    it("answers --help for the tool and for each command", () => {
        assert.deepStrictEqual(parseCommand([]), { name: "help", topic: undefined });
        assert.deepStrictEqual(parseCommand(["--help"]), { name: "help", topic: undefined });
        assert.deepStrictEqual(parseCommand(["help", "logs"]), { name: "help", topic: "logs" });
        assert.deepStrictEqual(parseCommand(["status", "-h"]), { name: "help", topic: "status" });
        assert.deepStrictEqual(parseCommand(["exec", "--help"]), { name: "help", topic: "exec" });
    });

    it("refuses bad usage with one line naming the problem and where help is", () => {
        throwsUsage(["frobnicate"], /unknown command "frobnicate"; the commands are status, logs/);
        throwsUsage(["logs"], /^logs: missing PROJECT \(dind-compose logs --help\)$/);
        throwsUsage(["exec", "a"], /^exec: missing SERVICE/);
        throwsUsage(["compose", "a"], /give the compose command after PROJECT/);
        throwsUsage(["status", "--bogus"], /^status: Unknown option '--bogus'/);
        throwsUsage(["status", "extra"], /unexpected argument "extra"/);
        throwsUsage(["logs", "a", "--tail", "x"], /--tail takes a number/);
        throwsUsage(["status", "--stack", "a b"], /not a stack name/);
        throwsUsage(["env"], /env: missing PROJECT/);
    });
});

describe("dind-compose status", () => {
    const ps = [
        '{"Service":"web","State":"running","Health":"healthy","ExitCode":0,"Publishers":[{"URL":"0.0.0.0","TargetPort":80,"PublishedPort":8080,"Protocol":"tcp"},{"URL":"::","TargetPort":80,"PublishedPort":8080,"Protocol":"tcp"}]}',
        '{"Service":"install","State":"exited","Health":"","ExitCode":0,"Publishers":[]}',
        '{"Service":"api","State":"running","Health":"","ExitCode":0,"Publishers":[{"URL":"","TargetPort":9000,"PublishedPort":0,"Protocol":"tcp"}]}',
    ].join("\n");
    const project = (over: Partial<ProjectStatus> = {}): ProjectStatus => ({
        name: "a",
        daemon: { container: "dc-s.a.daemon", state: "running", health: "healthy" },
        runner: { container: "dc-s.a.runner", state: "running", health: "healthy", compose: "compose ok, attempt 1" },
        services: parseComposePs(ps),
        ...over,
    });

    it("reads compose ps JSON lines (and arrays): state, health, exit code and published ports once each", () => {
        assert.deepStrictEqual(parseComposePs(ps), [
            { name: "api", state: "running", health: "", exitCode: 0, ports: [] },
            { name: "install", state: "exited", health: "", exitCode: 0, ports: [] },
            { name: "web", state: "running", health: "healthy", exitCode: 0, ports: ["8080->80/tcp"] },
        ]);
        assert.strictEqual(parseComposePs(`[${ps.split("\n").join(",")}]`).length, 3);
        assert.deepStrictEqual(parseComposePs(""), []);
    });

    it("is healthy only when every container, service and route is: a one-shot that exited 0 counts, a 502 does not", () => {
        const ok = { host: "a.localhost", url: "http://a.localhost:18080/", status: 200 };
        assert.strictEqual(judge("s", [project()], [ok, { ...ok, status: 404 }]).healthy, true);
        assert.strictEqual(judge("s", [project()], [{ ...ok, status: 502 }]).healthy, false);
        assert.strictEqual(judge("s", [project()], [{ ...ok, status: undefined, error: "ECONNREFUSED" }]).healthy, false);
        const crashed = project({ services: [{ name: "install", state: "exited", health: "", exitCode: 3, ports: [] }] });
        assert.strictEqual(judge("s", [crashed], []).healthy, false);
        assert.strictEqual(judge("s", [project({ daemon: { container: "d", state: "restarting", health: "" } })], []).healthy, false);
        assert.strictEqual(judge("s", [project({ services: [{ name: "db", state: "running", health: "starting", exitCode: 0, ports: [] }] })], []).healthy, false);
        assert.strictEqual(judge("s", [project({ services: [], error: "docker compose ps failed: x" })], []).healthy, false);
    });

    it("prints one table of projects and services and one of routes, marking what is not healthy", () => {
        const text = formatStatus(judge("dev", [project({ services: [...parseComposePs(ps), { name: "bad", state: "exited", health: "", exitCode: 1, ports: [] }] })], [
            { host: "a.localhost", url: "http://a.localhost/", status: 200 },
            { host: "b.localhost", url: "http://b.localhost/", error: "connect ECONNREFUSED 127.0.0.1:80" },
        ]));
        const lines = text.split("\n");
        assert.strictEqual(lines[0], "stack dev: NOT HEALTHY");
        assert.match(text, /^!!\s+a\s*$/m);
        assert.match(text, /^ok\s+\(daemon\)\s+running\s+healthy\s+dc-s\.a\.daemon$/m);
        assert.match(text, /^ok\s+web\s+running\s+healthy\s+8080->80\/tcp$/m);
        assert.match(text, /^ok\s+install\s+exited 0\s+-$/m);
        assert.match(text, /^!!\s+bad\s+exited 1\s+-$/m);
        assert.match(text, /^ok\s+http:\/\/a\.localhost\/\s+200$/m);
        assert.match(text, /^!!\s+http:\/\/b\.localhost\/\s+connect ECONNREFUSED/m);
    });
});

describe("dind-compose env", () => {
    let tmp: string;
    beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dc-env-"))));
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const info = { name: "a", daemonContainer: "d", runnerContainer: "r", services: [], dockerHost: "tcp://127.0.0.1:12376", tlsCaCert: "CA\n", tlsClientCert: "CERT\n" };

    it("writes the files private (0700 directories, key 0600), also over looser ones, and prints lines that survive eval", () => {
        const home = path.join(tmp, "it's $(touch pwned) home");
        fs.mkdirSync(path.join(home, "certs", "dev", "a"), { recursive: true, mode: 0o777 });
        fs.chmodSync(path.join(home, "certs"), 0o777);
        fs.writeFileSync(path.join(home, "certs", "dev", "a", "key.pem"), "old", { mode: 0o666 });
        const lines = writeDockerEnv(home, "dev", info, "KEY\n");
        const dir = path.join(home, "certs", "dev", "a");
        for (const d of [path.join(home, "certs"), path.join(home, "certs", "dev"), dir]) {
            assert.strictEqual(fs.statSync(d).mode & 0o777, 0o700, d);
        }
        assert.strictEqual(fs.statSync(path.join(dir, "key.pem")).mode & 0o777, 0o600);
        assert.strictEqual(fs.readFileSync(path.join(dir, "key.pem"), "utf8"), "KEY\n");
        assert.strictEqual(fs.readFileSync(path.join(dir, "ca.pem"), "utf8"), "CA\n");
        const shell = spawnSync("sh", ["-c", `${lines}\nprintf '%s|%s|%s' "$DOCKER_HOST" "$DOCKER_TLS_VERIFY" "$DOCKER_CERT_PATH"`], { cwd: tmp, encoding: "utf8" });
        assert.strictEqual(shell.stdout, `tcp://127.0.0.1:12376|1|${dir}`);
        assert.ok(!fs.existsSync(path.join(tmp, "pwned")), "the path was executed by eval");
        assert.strictEqual(shellQuote("a'b"), `'a'\\''b'`);
    });

    it("says what to add when the project publishes no daemon port", () => {
        assert.throws(() => writeDockerEnv(tmp, "dev", { ...info, dockerHost: undefined }, "KEY"), /project a does not publish its daemon: add "dockerPort: <port>" to it in Pulumi\.dev\.yaml and run pulumi up/);
    });
});

describe("dind-compose trust, in scratch stores", function () {
    this.timeout(60000);
    let tmp: string;
    let stores: { system: { dir: string; update: string[] }; nssDbs: string[] };
    const ca = fs.readFileSync(path.join(__dirname, "../fixtures/tls/mock-ca.pem"), "utf8");

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dc-trust-"));
        const nss = path.join(tmp, "nssdb");
        fs.mkdirSync(nss);
        const init = spawnSync("certutil", ["-N", "-d", `sql:${nss}`, "--empty-password"], { encoding: "utf8" });
        assert.strictEqual(init.status, 0, `certutil -N: ${init.stderr}${init.error ?? ""}`);
        fs.mkdirSync(path.join(tmp, "anchors"));
        stores = { system: { dir: path.join(tmp, "anchors"), update: [] }, nssDbs: [nss] };
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("--check reports not trusted, trust installs in both and says so, --check then reports trusted, untrust removes", () => {
        assert.deepStrictEqual(checkTrust(stores, "dev", ca).map((l) => [l.ok, l.what]), [[false, "not trusted"], [false, "not trusted"]]);
        const installed = installTrust(stores, "dev", ca);
        assert.deepStrictEqual(installed.map((l) => l.ok), [true, true]);
        assert.match(installed[0].what, /^added/);
        assert.match(installed[1].what, /^added as "dind-compose dev local CA"/);
        assert.ok(fs.readFileSync(path.join(stores.system.dir, caFileName("dev")), "utf8").includes("BEGIN CERTIFICATE"));
        const listed = spawnSync("certutil", ["-L", "-d", `sql:${stores.nssDbs[0]}`], { encoding: "utf8" }).stdout;
        assert.match(listed, /dind-compose dev local CA\s+C,,/);
        assert.deepStrictEqual(checkTrust(stores, "dev", ca).map((l) => [l.ok, l.what]), [[true, "trusted"], [true, "trusted"]]);
        assert.deepStrictEqual(installTrust(stores, "dev", ca).map((l) => l.what), ["already trusted, unchanged", "already trusted, unchanged"]);
        assert.deepStrictEqual(removeTrust(stores, "dev").map((l) => l.what), ["removed", "removed"]);
        assert.deepStrictEqual(checkTrust(stores, "dev", ca).map((l) => l.ok), [false, false]);
        assert.deepStrictEqual(removeTrust(stores, "dev").map((l) => l.what), ["not there, unchanged", "not there, unchanged"]);
    });

    it("keeps stacks apart: trusting stack a leaves stack b untrusted", () => {
        installTrust(stores, "a", ca);
        assert.deepStrictEqual(checkTrust(stores, "b", ca).map((l) => l.ok), [false, false]);
    });
});
