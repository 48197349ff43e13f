// scripts/docker-env.sh, run for real with a stub `pulumi` (emitting fake
// stack outputs) and a recording `node` wrapper first on PATH, under a
// DIND_COMPOSE_HOME whose path holds a space, a quote and a `$(touch …)`:
// the client key reaches its file without ever being a process argument,
// the files get private modes even when they existed with looser ones, and
// the printed export lines survive `eval`.

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "../..");
const KEY = "-----BEGIN PRIVATE KEY-----\nTHE-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n";
const DETAILS = {
    "project-a": { dockerHost: "tcp://127.0.0.1:12376", tlsCaCert: "CA CERT PEM\n", tlsClientCert: "CLIENT CERT PEM\n" },
    "project-b": { tlsCaCert: "B CA\n", tlsClientCert: "B CERT\n" },
};

// Each invocation's argv, one argument per line, then a blank line.
const RECORD_ARGV = `for arg; do printf '%s\\n' "$arg" >>"$ARGV_LOG"; done; echo >>"$ARGV_LOG"`;
const STUB_PULUMI = `#!/bin/sh
printf 'pulumi\\n' >>"$ARGV_LOG"
${RECORD_ARGV}
case "$*" in
  "stack output projectDetails --stack dev --json") cat "$STUB_DIR/details.json" ;;
  "stack output projectClientKeys --stack dev --json --show-secrets") cat "$STUB_DIR/keys.json" ;;
  *) echo "stub pulumi: unexpected: $*" >&2; exit 64 ;;
esac
`;
const RECORDING_NODE = `#!/bin/sh
printf 'node\\n' >>"$ARGV_LOG"
${RECORD_ARGV}
exec "${process.execPath}" "$@"
`;

describe("docker-env.sh", function () {
    this.timeout(10000);
    let tmp: string;
    let home: string;
    let stubDir: string;
    let argvLog: string;

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dc-docker-env-"));
        home = path.join(tmp, "it's a home $(touch pwned)");
        stubDir = path.join(tmp, "bin");
        argvLog = path.join(tmp, "argv.log");
        fs.mkdirSync(stubDir);
        fs.writeFileSync(path.join(stubDir, "pulumi"), STUB_PULUMI, { mode: 0o755 });
        fs.writeFileSync(path.join(stubDir, "node"), RECORDING_NODE, { mode: 0o755 });
        fs.writeFileSync(path.join(stubDir, "details.json"), JSON.stringify(DETAILS));
        fs.writeFileSync(path.join(stubDir, "keys.json"), JSON.stringify({ "project-a": KEY, "project-b": "B KEY" }));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** Runs `eval "$(scripts/docker-env.sh ARGS)"` in bash from the temp dir; prints the exported variables. */
    function evalDockerEnv(...args: string[]) {
        const result = spawnSync(
            "bash",
            ["-c", 'out=$("$0" "$@") || exit; eval "$out" && printf "%s\\n" "$DOCKER_HOST" "$DOCKER_TLS_VERIFY" "$DOCKER_CERT_PATH"', path.join(root, "scripts/docker-env.sh"), ...args],
            {
                cwd: tmp,
                encoding: "utf8",
                env: {
                    PATH: `${stubDir}:${process.env.PATH}`,
                    HOME: tmp,
                    DIND_COMPOSE_HOME: home,
                    PULUMI_HOME: path.join(tmp, "pulumi-home"),
                    PULUMI_BACKEND_URL: `file://${tmp}/state`,
                    PULUMI_CONFIG_PASSPHRASE: "not used",
                    STUB_DIR: stubDir,
                    ARGV_LOG: argvLog,
                },
            },
        );
        return { ...result, vars: result.stdout.split("\n").slice(0, 3) };
    }
    const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

    it("writes the project's certificates and key and prints export lines that survive eval", () => {
        const { status, stderr, vars } = evalDockerEnv("project-a");
        assert.strictEqual(status, 0, stderr);
        const dir = path.join(home, "certs", "dev", "project-a");
        assert.deepStrictEqual(vars, ["tcp://127.0.0.1:12376", "1", dir]);
        assert.strictEqual(fs.readFileSync(path.join(dir, "ca.pem"), "utf8"), "CA CERT PEM\n");
        assert.strictEqual(fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), "CLIENT CERT PEM\n");
        assert.strictEqual(fs.readFileSync(path.join(dir, "key.pem"), "utf8"), KEY);
        assert.ok(!fs.existsSync(path.join(tmp, "pwned")) && !fs.existsSync(path.join(root, "pwned")), "the printed lines ran $(touch pwned)");
    });

    it("never passes the client key to a process as an argument", () => {
        const { status, stderr } = evalDockerEnv("project-a");
        assert.strictEqual(status, 0, stderr);
        const argv = fs.readFileSync(argvLog, "utf8");
        assert.match(argv, /^node$/m, "node was not called through the recording wrapper");
        assert.match(argv, /^--show-secrets$/m, "the key was not fetched through the stub pulumi");
        assert.ok(!argv.includes("THE-SECRET-KEY-MATERIAL"), `the key appeared in an argument list:\n${argv}`);
    });

    it("makes the certificate directory 0700 and the key 0600, also when they existed with looser modes", () => {
        const dir = path.join(home, "certs", "dev", "project-a");
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        fs.chmodSync(dir, 0o755);
        fs.writeFileSync(path.join(dir, "key.pem"), "old key\n", { mode: 0o644 });
        fs.chmodSync(path.join(dir, "key.pem"), 0o644);
        const { status, stderr } = evalDockerEnv("project-a");
        assert.strictEqual(status, 0, stderr);
        assert.strictEqual(mode(dir), "700");
        assert.strictEqual(mode(path.join(dir, "key.pem")), "600");
        assert.strictEqual(fs.readFileSync(path.join(dir, "key.pem"), "utf8"), KEY);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["ca.pem", "cert.pem", "key.pem"]);
    });

    it("says how to publish a daemon that is not published, and names a project the stack does not have", () => {
        const unpublished = evalDockerEnv("project-b");
        assert.notStrictEqual(unpublished.status, 0);
        assert.match(unpublished.stderr, /project project-b does not publish its daemon; add 'dockerPort: <port>' to it in Pulumi\.dev\.yaml/);
        const unknown = evalDockerEnv("project-z");
        assert.notStrictEqual(unknown.status, 0);
        assert.match(unknown.stderr, /no project "project-z" in this stack/);
    });
});
