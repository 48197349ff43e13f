// The runner script (lib/runner.sh), run for real with `sh` against a stub
// `docker` first on PATH, so its behaviour is tested without Docker: what it
// reports in its status file over time, how often it runs compose, how it
// answers signals. Plus shellcheck, and the agreement between the words the
// script writes and the status protocol (lib/runnerStatus.ts).
//
// The stub is steered through files in its directory:
//   daemon-up    exists: `docker version` answers; absent: it fails like an
//                unreachable daemon, and `compose logs --follow` ends
//   up-exit      exit code of `compose up` (default 0)
//   up-stderr    what `compose up` prints on stderr
//   up-sleep     seconds `compose up` blocks (it is then the `sleep` itself)
//   ps           what `compose ps` prints (each line gets an ID, id-SERVICE)
//   ps-then      what it (and `inspect` of those IDs) prints from its second
//                call on, when present
// and records every invocation in `calls`, one line each.
//
// RUNNER_TEST_SHELL=busybox runs the script with busybox's sh and tools, as
// in the official (Alpine) CLI image, instead of this machine's sh.

import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COMPOSE_ENV, DOCKER_CLIENT_ENV, RUNNER_ENV, RUNNER_SCRIPT_SOURCE, readRunnerScript, runnerEnvironment, toEnvList } from "../../lib/runnerScript";
import { RUNNER_IMAGES_LOADED_FILE, RUNNER_STATES, RUNNER_STATUS_FILE, RunnerStatus, parseRunnerStatus } from "../../lib/runnerStatus";
import { providerStub } from "../../components/dynamicResource";
import { assertShellcheckPasses } from "../support/shellcheck";
import { TLS_BUNDLE_FILE, joinTlsBundle } from "../../components/projectTls";
import { DAEMON_SCRIPT_SOURCE } from "../../components/daemon";

const STUB_DOCKER = `#!/bin/sh
d=$STUB_DIR
printf '%s\\n' "$*" >>"$d/calls"
case $1 in
  version)
    if [ -e "$d/daemon-up" ]; then echo 26.1.5; exit 0; fi
    echo "Cannot connect to the Docker daemon at $DOCKER_HOST. Is the docker daemon running?" >&2
    exit 1 ;;
  compose)
    shift
    case $1 in
      up)
        if [ -e "$d/up-stderr" ]; then cat "$d/up-stderr" >&2; fi
        if [ -e "$d/up-sleep" ]; then echo $$ >"$d/up.pid"; exec sleep "$(cat "$d/up-sleep")"; fi
        exit "$(cat "$d/up-exit" 2>/dev/null || echo 0)" ;;
      ps)
        # Each line with its container's ID first (id-SERVICE).
        if [ -e "$d/ps-then" ] && [ -e "$d/ps-seen" ]; then f=ps-then; else f=ps; fi
        sed 's/^\\([^ ]*\\)/id-\\1 \\1/' "$d/$f" 2>/dev/null
        : >"$d/ps-seen"
        exit 0 ;;
      logs)
        case " $* " in
          *" --follow "*)
            echo $$ >"$d/logs.pid"
            echo "web-1  | following the project"
            while [ -e "$d/daemon-up" ]; do sleep 0.1; done
            exit 0 ;;
        esac
        for last; do :; done
        echo "$last-1  | the last words of $last"
        exit 0 ;;
    esac ;;
  inspect)
    # inspect --format FORMAT ID...: what compose ps would now print of those containers.
    shift 3
    if [ -e "$d/ps-then" ] && [ -e "$d/ps-seen" ]; then f=ps-then; else f=ps; fi
    for id; do
      line=$(grep "^\${id#id-} " "$d/$f") || { echo "Error: No such object: $id" >&2; exit 1; }
      printf '%s %s\\n' "$id" "$line"
    done
    : >"$d/ps-seen"
    exit 0 ;;
esac
echo "stub docker: unexpected: $*" >&2
exit 64
`;

interface RunnerOptions {
    daemonUp?: boolean;
    daemonSeconds?: number;
    composeSeconds?: number;
    ps?: string[];
    upExit?: number;
    upStderr?: string;
    upSleep?: number;
    /** A status file left by an earlier run of the container. */
    previousStatus?: string;
    /** Whether `pulumi up` has said the host's images are in the daemon (default: yes). */
    imagesLoaded?: boolean;
    /** The uploaded TLS bundle, in a certificate directory that DOCKER_CERT_PATH names (default: neither). */
    tlsBundle?: string;
}

class RunnerUnderTest {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-runner-"));
    readonly stubDir = path.join(this.dir, "stub");
    readonly statusFile = path.join(this.dir, "run", "status");
    /** Everything the script printed, as `docker logs` would show it. */
    readonly logFile = path.join(this.dir, "runner.log");
    /** DOCKER_CERT_PATH, when the options have a TLS bundle. */
    readonly certDir = path.join(this.dir, "certs");
    readonly proc: ChildProcess;
    output = "";
    exitCode: number | null = null;
    private exited: Promise<void>;

    constructor(readonly options: RunnerOptions = {}) {
        fs.mkdirSync(this.stubDir);
        fs.writeFileSync(path.join(this.stubDir, "docker"), STUB_DOCKER, { mode: 0o755 });
        const { daemonUp = true, ps, upExit, upStderr, upSleep, previousStatus } = options;
        if (daemonUp) this.set("daemon-up", "");
        if (ps) this.setPs(ps);
        if (upExit !== undefined) this.set("up-exit", String(upExit));
        if (upStderr !== undefined) this.set("up-stderr", upStderr);
        if (upSleep !== undefined) this.set("up-sleep", String(upSleep));
        if (previousStatus !== undefined) {
            fs.mkdirSync(path.dirname(this.statusFile), { recursive: true });
            fs.writeFileSync(this.statusFile, previousStatus);
        }
        if (options.imagesLoaded ?? true) {
            this.markImagesLoaded();
        }
        let pathPrefix = this.stubDir;
        let shell = ["sh"];
        if (process.env.RUNNER_TEST_SHELL === "busybox") {
            const applets = path.join(this.dir, "busybox");
            fs.mkdirSync(applets);
            const busybox = execFileSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).trim();
            for (const applet of execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)) {
                fs.symlinkSync(busybox, path.join(applets, applet));
            }
            pathPrefix = `${this.stubDir}:${applets}`;
            shell = [busybox, "sh"];
        }
        if (options.tlsBundle !== undefined) {
            fs.mkdirSync(this.certDir);
            fs.writeFileSync(path.join(this.certDir, TLS_BUNDLE_FILE), options.tlsBundle, { mode: 0o600 });
        }
        // The text the runner container gets (without the file's comment lines).
        const script = path.join(this.dir, "runner.sh");
        fs.writeFileSync(script, readRunnerScript());
        this.proc = spawn(shell[0], [...shell.slice(1), script], {
            cwd: this.dir,
            // Its own process group, so cleanup reaches whatever it leaves behind.
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
            env: {
                PATH: `${pathPrefix}:${process.env.PATH}`,
                STUB_DIR: this.stubDir,
                DOCKER_HOST: "tcp://project-a:2376",
                [RUNNER_ENV.project]: "project-a",
                [RUNNER_ENV.statusFile]: this.statusFile,
                [RUNNER_ENV.daemonSeconds]: String(options.daemonSeconds ?? 5),
                [RUNNER_ENV.composeSeconds]: String(options.composeSeconds ?? 20),
                ...(options.tlsBundle !== undefined ? { [DOCKER_CLIENT_ENV.certPath]: this.certDir } : {}),
            },
        });
        const record = (d: Buffer) => {
            this.output += d;
            fs.appendFileSync(this.logFile, d);
        };
        this.proc.stdout!.on("data", record);
        this.proc.stderr!.on("data", record);
        this.exited = new Promise((resolve) => this.proc.on("exit", (code) => ((this.exitCode = code), resolve())));
    }

    /** What the readiness check does once the image preload is done (RUNNER_IMAGES_LOADED_FILE, beside the status file). */
    markImagesLoaded(): void {
        fs.mkdirSync(path.dirname(this.statusFile), { recursive: true });
        fs.writeFileSync(path.join(path.dirname(this.statusFile), path.basename(RUNNER_IMAGES_LOADED_FILE)), "");
    }

    set(file: string, content: string): void {
        fs.writeFileSync(path.join(this.stubDir, file), content);
    }
    setPs(lines: string[]): void {
        this.set("ps", lines.map((l) => `${l}\n`).join(""));
    }
    remove(file: string): void {
        fs.rmSync(path.join(this.stubDir, file), { force: true });
    }
    stubFile(file: string): string {
        return fs.readFileSync(path.join(this.stubDir, file), "utf8");
    }

    /** Every stub invocation so far, one line each. */
    callLines(): string[] {
        return (fs.existsSync(path.join(this.stubDir, "calls")) ? this.stubFile("calls") : "").split("\n").filter((l) => l !== "");
    }
    /** How many stub invocations began with these words (e.g. "compose up"). */
    calls(prefix: string): number {
        return this.callLines().filter((l) => l === prefix || l.startsWith(`${prefix} `)).length;
    }

    rawStatus(): string {
        try {
            return fs.readFileSync(this.statusFile, "utf8");
        } catch {
            return "";
        }
    }
    status(): RunnerStatus | undefined {
        return parseRunnerStatus(this.rawStatus());
    }

    /** Polls the status file until `accept` holds; fails with the status and the runner's output. */
    async until(what: string, accept: (s: RunnerStatus) => boolean, timeoutMs = 8000): Promise<RunnerStatus> {
        const seen: string[] = [];
        const started = Date.now();
        while (Date.now() - started < timeoutMs) {
            const s = this.status();
            if (s && !seen.includes(`${s.state} ${s.attempt}`)) seen.push(`${s.state} ${s.attempt}`);
            if (s && accept(s)) return s;
            if (this.exitCode !== null) break;
            await sleep(50);
        }
        throw new Error(`runner never reached ${what}; statuses seen: ${seen.join(" → ")}; status file: ${JSON.stringify(this.rawStatus())}; output:\n${this.output}\nprocesses:\n${this.processes()}`);
    }

    /** Every status seen while polling for `ms`. */
    async watch(ms: number): Promise<string[]> {
        const seen: string[] = [];
        const started = Date.now();
        while (Date.now() - started < ms) {
            const raw = this.rawStatus();
            if (seen[seen.length - 1] !== raw) seen.push(raw);
            await sleep(50);
        }
        return seen;
    }

    /** The script's process group, for failure messages. */
    processes(): string {
        const ps = spawnSync("ps", ["-o", "pid,ppid,stat,wchan:24,args", "-g", String(this.proc.pid)], { encoding: "utf8" });
        return ps.stdout || String(ps.error ?? ps.stderr);
    }

    signal(sig: NodeJS.Signals): void {
        this.proc.kill(sig);
    }

    /** Sends SIGTERM and resolves with the milliseconds until the script exited (or Infinity after `limitMs`). */
    async terminate(limitMs = 5000): Promise<number> {
        const started = Date.now();
        this.proc.kill("SIGTERM");
        const done = await Promise.race([this.exited.then(() => true), sleep(limitMs).then(() => false)]);
        return done ? Date.now() - started : Infinity;
    }

    cleanup(): void {
        try {
            process.kill(-this.proc.pid!, "SIGKILL");
        } catch {
            // already gone
        }
        // Output still in the pipes would arrive after its log file is gone.
        this.proc.stdout!.removeAllListeners("data");
        this.proc.stderr!.removeAllListeners("data");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a process is still alive (a zombie waiting to be reaped counts as gone). */
function processAlive(pid: number): boolean {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
    } catch {
        return false;
    }
}

const script = fs.readFileSync(RUNNER_SCRIPT_SOURCE, "utf8");

// Compose 2.26's output without a terminal (the runner's), as lib/runner.sh reads it.
const COMPOSE_BUILD_OUTPUT = [
    '#0 building with "default" instance using docker driver',
    "#1 [backend internal] load build definition from Dockerfile",
    "#1 DONE 0.0s",
    "#2 [internal] load metadata for docker.io/library/busybox:1.37",
    "#6 [backend 2/3] COPY backend/www /www",
    "#6 DONE 0.0s",
];
const COMPOSE_PULL_OUTPUT = [" web Pulling ", " 7c8cd8b2d3d3 Pulling fs layer ", " 7c8cd8b2d3d3 Downloading [==>   ]  1.2MB/3.4MB"];
const COMPOSE_NEW_PULL_OUTPUT = [" Image registry.example:5000/team/api:1.2 Pulling ", " 5d1f Downloading [=> ] 1MB/9MB"];
const COMPOSE_CREATE_OUTPUT = [" Network project-a_default  Creating", " Network project-a_default  Created", " Container project-a-web-1  Creating"];
const oneShotAndServer = ["web running  0", "installer exited  0"];

/** Inside a describe: a `start` for runners, each cleaned up after its test. */
function runnersCleanedAfterEach(): (options?: RunnerOptions) => RunnerUnderTest {
    const runners: RunnerUnderTest[] = [];
    afterEach(() => runners.splice(0).forEach((r) => r.cleanup()));
    return (options: RunnerOptions = {}) => {
        const runner = new RunnerUnderTest(options);
        runners.push(runner);
        return runner;
    };
}

describe("runner script", function () {
    this.timeout(10000);
    const start = runnersCleanedAfterEach();

    describe("its source", () => {
        it("passes shellcheck", () => assertShellcheckPasses(RUNNER_SCRIPT_SOURCE));

        it("writes exactly the protocol's state words, every one of them", () => {
            const written = new Set([...script.matchAll(/^\s*(?:.*[;&|)]\s*)?report (\S+)/gm)].map((m) => m[1].replace(/^"|"$/g, "")));
            assert.deepStrictEqual([...written].sort(), [...RUNNER_STATES].sort());
        });

        it("takes its inputs from the environment variables the contract names", () => {
            for (const name of Object.values(RUNNER_ENV)) {
                assert.ok(script.includes(`\${${name}:?`), `the script does not read ${name}`);
            }
            // Compose reads its own variables: the script passes no file or project name.
            assert.doesNotMatch(script, /docker compose[^\n]*(--file|-f |--project-name|-p )/);
        });

        it("runs compose up without --wait, which fails projects with one-shot services", () => {
            assert.match(script, /docker compose up --detach --build --remove-orphans/);
            assert.doesNotMatch(script, /--wait/);
        });
    });

    describe("reading compose's progress", () => {
        const phase = (lines: string[]) => {
            const fn = /^compose_phase\(\) \{\n[\s\S]*?\n\}\n/m.exec(script)![0];
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-phase-"));
            try {
                fs.writeFileSync(path.join(dir, "out"), lines.join("\n") + "\n");
                return execFileSync("sh", ["-c", `${fn}\ncompose_phase "$1"`, "sh", path.join(dir, "out")], { encoding: "utf8" }).trim();
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        };
        it("finds the service being built, pulled, or the container starting, from the last line that tells", () => {
            assert.strictEqual(phase(COMPOSE_BUILD_OUTPUT), "building backend");
            assert.strictEqual(phase(COMPOSE_PULL_OUTPUT), "pulling web");
            assert.strictEqual(phase(COMPOSE_NEW_PULL_OUTPUT), "pulling registry.example:5000/team/api:1.2");
            assert.strictEqual(phase([...COMPOSE_PULL_OUTPUT, ...COMPOSE_BUILD_OUTPUT, ...COMPOSE_CREATE_OUTPUT]), "starting project-a-web-1");
            assert.strictEqual(phase(['#0 building with "default" instance using docker driver', "#2 [internal] load .dockerignore"]), "");
        });
    });

    describe("waiting for the daemon", () => {
        it("reports a daemon timeout naming the daemon and the wait, and keeps that failure while the daemon stays away", async () => {
            const r = start({ daemonUp: false, daemonSeconds: 2 });
            await r.until("waiting-for-daemon", (s) => s.state === "waiting-for-daemon");
            const failed = await r.until("failed", (s) => s.state === "failed");
            assert.deepStrictEqual(failed, { state: "failed", attempt: 1, reason: "daemon tcp://project-a:2376 did not answer within 2s" });
            const seen = await r.watch(3000);
            assert.deepStrictEqual(seen, ["failed: daemon tcp://project-a:2376 did not answer within 2s\nattempt 1\n"]);
            assert.strictEqual(r.calls("compose up"), 0);
            assert.match(r.output, /Cannot connect to the Docker daemon at tcp:\/\/project-a:2376/);
        });

        it("starts a new attempt by itself when the daemon answers after a timeout", async () => {
            const r = start({ daemonUp: false, daemonSeconds: 1, ps: oneShotAndServer });
            await r.until("failed", (s) => s.state === "failed");
            r.set("daemon-up", "");
            const ok = await r.until("ok", (s) => s.state === "ok");
            assert.strictEqual(ok.attempt, 2);
            assert.strictEqual(r.calls("compose up"), 1);
        });

        it("continues counting attempts from a status file left by an earlier run of the container", async () => {
            const r = start({ ps: oneShotAndServer, previousStatus: "failed: service web exited with code 1\nattempt 7\n" });
            const ok = await r.until("ok", (s) => s.state === "ok");
            assert.strictEqual(ok.attempt, 8);
        });
    });

    describe("its client certificate", () => {
        const pem = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
        const ca = pem("CERTIFICATE", "Y2E=");
        const cert = pem("CERTIFICATE", "Y2VydA==");
        const key = pem("EC PRIVATE KEY", "a2V5");

        it("lays out ca.pem, cert.pem and key.pem (its owner's only) from the uploaded bundle when it starts", async () => {
            const r = start({ ps: oneShotAndServer, tlsBundle: joinTlsBundle(ca, cert, key) });
            await r.until("ok", (s) => s.state === "ok");
            for (const [file, content] of [["ca.pem", ca], ["cert.pem", cert], ["key.pem", key]]) {
                assert.strictEqual(fs.readFileSync(path.join(r.certDir, file), "utf8"), content, file);
                assert.strictEqual(fs.statSync(path.join(r.certDir, file)).mode & 0o777, 0o600, file);
            }
        });

        it("is split the same way by the daemon's script (one function, the same text in both)", () => {
            const fn = (text: string) => /^split_tls_bundle\(\) \{\n([\s\S]*?)^\}$/m.exec(text)?.[1].replace(/^\s+/gm, "");
            const inRunner = fn(readRunnerScript());
            assert.ok(inRunner, "no split_tls_bundle in lib/runner.sh");
            assert.strictEqual(fn(fs.readFileSync(DAEMON_SCRIPT_SOURCE, "utf8")), inRunner);
        });
    });

    describe("bringing the project up", () => {
        it("reports ok when a one-shot service exited 0 next to a running one, then follows the logs", async () => {
            const r = start({ ps: oneShotAndServer });
            const ok = await r.until("ok", (s) => s.state === "ok");
            assert.deepStrictEqual(ok, { state: "ok", attempt: 1 });
            await waitFor(() => r.output.includes("following the project"), "the followed logs in the runner's output");
            assert.strictEqual(r.calls("compose up --detach --build --remove-orphans"), 1);
            assert.strictEqual(r.calls("compose logs --follow --no-color --since 1s"), 1);
        });

        it("reports a compose up failure with compose's own last words, keeps them in its output, and does not run compose again", async () => {
            const r = start({ upExit: 1, upStderr: ' ✘ Container project-a-migrate-1  service "migrate" didn\'t complete successfully: exit 3\n' });
            const failed = await r.until("failed", (s) => s.state === "failed");
            assert.strictEqual(failed.reason, `docker compose up exited with code 1: ✘ Container project-a-migrate-1  service "migrate" didn't complete successfully: exit 3`);
            assert.match(r.output, /service "migrate" didn't complete successfully: exit 3/);
            const seen = await r.watch(2500);
            assert.strictEqual(seen.length, 1, `the status changed after the failure: ${JSON.stringify(seen)}`);
            assert.strictEqual(r.calls("compose up"), 1);
        });

        it("says what compose up is doing while it runs: building, then starting containers", async () => {
            const r = start({ upSleep: 30, upStderr: COMPOSE_BUILD_OUTPUT.join("\n") + "\n" });
            const building = await r.until("building", (s) => s.state === "building");
            assert.deepStrictEqual(building, { state: "building", attempt: 1, detail: "backend" });
            fs.appendFileSync(path.join(r.dir, "run", "compose-up.err"), COMPOSE_CREATE_OUTPUT.join("\n") + "\n");
            assert.deepStrictEqual(await r.until("starting a container", (s) => s.state === "starting" && !!s.detail), {
                state: "starting",
                attempt: 1,
                detail: "project-a-web-1",
            });
        });

        it("fails naming a service that exited with code 3, and prints that service's last log lines", async () => {
            const r = start({ ps: ["web running  0", "migrate exited  3"] });
            const failed = await r.until("failed", (s) => s.state === "failed");
            assert.deepStrictEqual(failed, { state: "failed", attempt: 1, reason: "service migrate exited with code 3" });
            await waitFor(() => r.output.includes("migrate-1  | the last words of migrate"), "migrate's logs in the runner's output");
            assert.strictEqual(r.calls("compose logs --no-color --tail 20 migrate"), 1);
        });

        it("is not up when a service running on the first look has exited on the next one", async () => {
            const r = start({ ps: ["web running  0"] });
            r.set("ps-then", "web exited  1\n");
            // Reaching "failed" means "ok" was never reported: after ok the runner only follows the logs.
            const failed = await r.until("failed", (s) => s.state === "failed");
            assert.strictEqual(failed.reason, "service web exited with code 1");
            // The second look inspects the containers compose ps found.
            assert.strictEqual(r.calls("compose ps"), 1);
            assert.strictEqual(r.calls("inspect --format"), 1);
            assert.match(r.callLines().find((c) => c.startsWith("inspect "))!, / id-web$/);
        });

        it("takes compose ps for the second look when a container is gone by then (docker inspect fails)", async () => {
            const r = start({ ps: ["web running  0", "db running  0"] });
            r.set("ps-then", "web running  0\n"); // db's container is gone by the second look
            await r.until("ok", (s) => s.state === "ok");
            assert.deepStrictEqual(
                r.callLines().filter((c) => /^(compose ps|inspect) /.test(c)).map((c) => c.split(" ")[0] + (c.endsWith(" id-db") ? " (with id-db)" : "")),
                ["compose", "inspect (with id-db)", "compose"],
            );
        });

        it("fails naming a service whose health check reports unhealthy", async () => {
            const r = start({ ps: ["db running unhealthy 0", "web running  0"] });
            const failed = await r.until("failed", (s) => s.state === "failed");
            assert.strictEqual(failed.reason, "service db is unhealthy");
        });

        it("waits for a health check that is starting, and reports ok once it is healthy", async () => {
            const r = start({ ps: ["db running starting 0", "web running  0"] });
            await r.until("waiting-for-services", (s) => s.state === "waiting-for-services");
            await sleep(1200);
            assert.strictEqual(r.status()?.state, "waiting-for-services");
            r.setPs(["db running healthy 0", "web running  0"]);
            await r.until("ok", (s) => s.state === "ok");
        });

        it("fails naming a service that keeps restarting until the timeout", async () => {
            const r = start({ composeSeconds: 2, ps: ["web restarting  1", "db running  0"] });
            const failed = await r.until("failed", (s) => s.state === "failed");
            assert.strictEqual(failed.reason, "service web is not up within 2s: it keeps restarting (last exit code 1)");
        });

        it("stops a compose up that outlives its timeout and says so", async () => {
            const r = start({ composeSeconds: 1, upSleep: 30 });
            const failed = await r.until("failed", (s) => s.state === "failed");
            assert.strictEqual(failed.reason, "docker compose up did not finish within 1s");
            assert.ok(!processAlive(Number(r.stubFile("up.pid"))), "compose up is still running");
        });
    });

    describe("after a failure", () => {
        it("starts attempt N+1 when asked with SIGUSR1, and brings the project up", async () => {
            const r = start({ upExit: 1, ps: oneShotAndServer });
            await r.until("failed", (s) => s.state === "failed" && s.attempt === 1);
            r.set("up-exit", "0");
            r.signal("SIGUSR1");
            const ok = await r.until("ok", (s) => s.state === "ok");
            assert.strictEqual(ok.attempt, 2);
            assert.strictEqual(r.calls("compose up"), 2);
        });

        it("ignores SIGUSR1 while the project is up: nothing is re-run", async () => {
            const r = start({ ps: oneShotAndServer });
            await r.until("ok", (s) => s.state === "ok");
            r.signal("SIGUSR1");
            await sleep(1000);
            assert.deepStrictEqual(r.status(), { state: "ok", attempt: 1 });
            assert.strictEqual(r.calls("compose up"), 1);
            assert.match(r.output, /ignoring a retry request: attempt 1 is ok/);
        });

        it("brings the project up again, as a new attempt, when its daemon goes away and comes back", async () => {
            const r = start({ ps: oneShotAndServer, daemonSeconds: 5 });
            await r.until("ok", (s) => s.state === "ok");
            r.remove("daemon-up");
            await r.until("waiting-for-daemon (attempt 2)", (s) => s.state === "waiting-for-daemon" && s.attempt === 2);
            r.set("daemon-up", "");
            await r.until("ok (attempt 2)", (s) => s.state === "ok" && s.attempt === 2);
            assert.strictEqual(r.calls("compose up"), 2);
        });
    });

    describe("before the host's images are in the daemon", () => {
        it("waits, without running compose, until pulumi up says they are loaded, then brings the project up", async () => {
            const r = start({ imagesLoaded: false, ps: oneShotAndServer });
            await r.until("waiting-for-images", (s) => s.state === "waiting-for-images");
            await sleep(800);
            assert.strictEqual(r.status()?.state, "waiting-for-images");
            assert.strictEqual(r.calls("compose up"), 0);
            r.markImagesLoaded();
            const ok = await r.until("ok", (s) => s.state === "ok");
            assert.strictEqual(ok.attempt, 1);
        });

        it("looks for the file beside its status file, where the readiness check creates it", () => {
            assert.strictEqual(path.dirname(RUNNER_IMAGES_LOADED_FILE), path.dirname(RUNNER_STATUS_FILE));
            assert.ok(script.includes(`images_file="$work_dir/${path.basename(RUNNER_IMAGES_LOADED_FILE)}"`));
        });
    });

    describe("when the compose model changes (SIGUSR2)", () => {
        it("runs compose up again as attempt N+1 while the project is up", async () => {
            const r = start({ ps: oneShotAndServer });
            await r.until("ok", (s) => s.state === "ok");
            // The script reports ok just before it looks whether the model changed meanwhile: a signal in between
            // takes that path (also attempt 2, said differently). Up here means following the logs.
            await waitFor(() => r.output.includes("following its logs"), "the runner following the project's logs");
            r.signal("SIGUSR2");
            const ok = await r.until("ok (attempt 2)", (s) => s.state === "ok" && s.attempt === 2);
            assert.strictEqual(ok.attempt, 2);
            assert.strictEqual(r.calls("compose up"), 2);
            assert.match(r.output, /the compose model changed: running compose up again/);
        });

        it("runs compose up again after a failure, without a retry request", async () => {
            const r = start({ upExit: 1, ps: oneShotAndServer });
            await r.until("failed", (s) => s.state === "failed" && s.attempt === 1);
            r.set("up-exit", "0");
            r.signal("SIGUSR2");
            await r.until("ok (attempt 2)", (s) => s.state === "ok" && s.attempt === 2);
            assert.strictEqual(r.calls("compose up"), 2);
        });

        it("follows an attempt under way with another one, which reads the changed files", async () => {
            const r = start({ upSleep: 1, ps: oneShotAndServer });
            await r.until("starting", (s) => s.state === "starting");
            r.signal("SIGUSR2");
            await r.until("ok (attempt 2)", (s) => s.state === "ok" && s.attempt === 2);
            await sleep(1500);
            assert.deepStrictEqual(r.status(), { state: "ok", attempt: 2 }, "only one more attempt");
            assert.strictEqual(r.calls("compose up"), 2);
        });
    });

    describe("stopping", () => {
        const states: [string, RunnerOptions, (s: RunnerStatus) => boolean][] = [
            ["waiting for the daemon", { daemonUp: false, daemonSeconds: 30 }, (s) => s.state === "waiting-for-daemon"],
            ["waiting for the host's images", { imagesLoaded: false }, (s) => s.state === "waiting-for-images"],
            ["running compose up", { upSleep: 30 }, (s) => s.state === "starting"],
            ["waiting for the services", { ps: ["db running starting 0"], composeSeconds: 30 }, (s) => s.state === "waiting-for-services"],
            ["following the logs", { ps: oneShotAndServer }, (s) => s.state === "ok"],
            ["idle after a compose failure", { upExit: 2 }, (s) => s.state === "failed"],
            ["failed, watching for the daemon to come back", { daemonUp: false, daemonSeconds: 1 }, (s) => s.state === "failed"],
        ];
        for (const [what, options, reached] of states) {
            it(`ends within 1.5 s of SIGTERM while ${what}, leaving no child behind`, async () => {
                const r = start(options);
                await r.until(what, reached);
                await sleep(300); // into the wait, not between two commands
                const ms = await r.terminate();
                assert.ok(ms < 1500, `took ${ms} ms to stop; output:\n${r.output}`);
                assert.strictEqual(r.exitCode, 0);
                for (const file of ["up.pid", "logs.pid"]) {
                    if (fs.existsSync(path.join(r.stubDir, file))) {
                        const pid = Number(r.stubFile(file));
                        await waitFor(() => !processAlive(pid), `the stub's ${file.replace(".pid", "")} process to end`, 1000);
                    }
                }
            });
        }
    });
});

// A stub `docker` for the readiness check's side: the runner "container" is
// the script's process and its ID is the PID. In a runner container, PID 1 is
// Docker's init, which passes signals on to the script: a `kill ... 1` in an
// exec'd shell script is sent to the script's PID instead (never to this
// machine's PID 1).
const READINESS_STUB_DOCKER = `#!/bin/sh
printf '%s\\n' "$*" >>"$READY_STUB_DIR/calls"
case $1 in
  exec)
    id=$2
    shift 2
    kill -0 "$id" 2>/dev/null || { echo "Error response from daemon: container $id is not running" >&2; exit 1; }
    if [ "$1" = sh ] && [ "$2" = -c ]; then
      script=$(printf '%s\\n' "$3" | sed "s/^\\(.*kill -s [^ ]*\\) 1 /\\1 $id /")
      if printf '%s\\n' "$script" | grep -q 'kill .* 1 '; then echo "readiness stub docker: a kill of PID 1 it cannot redirect: $3" >&2; exit 65; fi
      shift 3
      exec sh -c "$script" "$@"
    fi
    exec "$@" ;;
  inspect)
    for id; do :; done
    if kill -0 "$id" 2>/dev/null; then echo "running 0"; else echo "exited 0"; fi ;;
  kill)
    kill -s "$3" "$4" ;;
  logs)
    tail -n 40 "$RUNNER_LOG" ;;
  *)
    echo "readiness stub docker: unexpected: $*" >&2
    exit 64 ;;
esac
`;

// Loads the provider through its stub as Pulumi's dynamic-provider host does,
// in a plain node process started in the checkout (no TypeScript loader).
/** The checkout: where the dynamic-provider host runs, and where the provider's stub finds the provider. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");

const READINESS_DRIVER = `
const provider = require(process.argv[2]).handler();
const inputs = JSON.parse(process.argv[3]);
const olds = process.argv[4] && JSON.parse(process.argv[4]);
(olds ? provider.update("id", olds, inputs) : provider.create(inputs)).then(
    (result) => console.log(JSON.stringify({ result })),
    (err) => console.log(JSON.stringify({ error: err.message })),
);
`;

describe("readiness check, loaded as Pulumi's dynamic-provider host loads it, following the real runner script", function () {
    this.timeout(10000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-readiness-"));
    const start = runnersCleanedAfterEach();
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    before(async () => {
        fs.writeFileSync(path.join(dir, "provider.js"), providerStub({ file: path.join(REPO_ROOT, "components", "composeReadiness.ts"), exported: "composeReadinessProvider" }));
        fs.writeFileSync(path.join(dir, "driver.js"), READINESS_DRIVER);
        fs.mkdirSync(path.join(dir, "stub"));
        fs.writeFileSync(path.join(dir, "stub", "docker"), READINESS_STUB_DOCKER, { mode: 0o755 });
    });

    /**
     * Runs the provider's create against a runner, as one `pulumi up` would; with `fromDigest`, its update
     * from a check that had that compose digest (the model changed since).
     */
    async function checkReadiness(r: RunnerUnderTest, fromDigest?: string, timeoutSeconds = 8): Promise<{ result?: unknown; error?: string }> {
        const inputs = {
            project: "project-a",
            runnerId: String(r.proc.pid),
            runnerName: "dc-dev-project-a-runner",
            statusFile: r.statusFile,
            imagesLoadedFile: path.join(path.dirname(r.statusFile), path.basename(RUNNER_IMAGES_LOADED_FILE)),
            reportedFile: path.join(path.dirname(r.statusFile), "reported"),
            retrySignal: "USR1",
            modelChangedSignal: "USR2",
            composeDigest: "digest-now",
            timeoutSeconds,
        };
        const olds = fromDigest === undefined ? [] : [JSON.stringify({ ...inputs, composeDigest: fromDigest })];
        const node = spawn(process.execPath, [path.join(dir, "driver.js"), path.join(dir, "provider.js"), JSON.stringify(inputs), ...olds], {
            cwd: REPO_ROOT,
            env: { PATH: `${path.join(dir, "stub")}:${process.env.PATH}`, READY_STUB_DIR: dir, RUNNER_LOG: r.logFile },
            stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        node.stdout.on("data", (d) => (out += d));
        await new Promise((resolve) => node.on("close", resolve));
        return JSON.parse(out);
    }
    const retryRequests = () => (fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8") : "").split("\n").filter((l) => l.startsWith("kill ")).length;

    it("succeeds once the runner reports ok", async () => {
        const r = start({ ps: oneShotAndServer });
        const { result, error } = await checkReadiness(r);
        assert.strictEqual(error, undefined);
        assert.ok(result);
    });

    it("tells a runner waiting for the host's images that they are loaded, then reports its result", async () => {
        const r = start({ imagesLoaded: false, ps: oneShotAndServer });
        await r.until("waiting-for-images", (s) => s.state === "waiting-for-images");
        const { result, error } = await checkReadiness(r);
        assert.strictEqual(error, undefined);
        assert.ok(result);
        assert.deepStrictEqual(r.status(), { state: "ok", attempt: 1 });
    });

    it("fails naming the project, the service and its exit code, quoting the runner's output", async () => {
        const r = start({ ps: ["web running  0", "migrate exited  3"] });
        const { error } = await checkReadiness(r);
        assert.match(error ?? "", /^project project-a: service migrate exited with code 3 \(attempt 1\)\. The runner's last output \(docker logs dc-dev-project-a-runner\):\n/);
        assert.match(error ?? "", /migrate-1 {2}\| the last words of migrate/);
    });

    it("reports a failure no check has seen yet as it is, without asking for a new attempt", async () => {
        const r = start({ upExit: 1 });
        await r.until("failed", (s) => s.state === "failed");
        const kills = retryRequests();
        const { error } = await checkReadiness(r);
        assert.match(error ?? "", /^project project-a: docker compose up exited with code 1 \(attempt 1\)/);
        assert.strictEqual(retryRequests(), kills);
        assert.strictEqual(r.calls("compose up"), 1);
    });

    it("on the next pulumi up, asks a runner that failed before for a new attempt and reports that attempt's result", async () => {
        const r = start({ ps: ["web running  0", "migrate exited  3"] });
        assert.match((await checkReadiness(r)).error ?? "", /migrate exited with code 3 \(attempt 1\)/);
        r.setPs(oneShotAndServer); // the user fixed the migration
        const { result, error } = await checkReadiness(r);
        assert.strictEqual(error, undefined);
        assert.ok(result);
        assert.deepStrictEqual(r.status(), { state: "ok", attempt: 2 });
        assert.strictEqual(r.calls("compose up"), 2);
    });

    it("after a compose edit, has the running runner bring the project up again and reports that new attempt", async () => {
        const r = start({ ps: oneShotAndServer });
        await r.until("ok", (s) => s.state === "ok");
        const { result, error } = await checkReadiness(r, "digest-before");
        assert.strictEqual(error, undefined);
        assert.ok(result);
        assert.deepStrictEqual(r.status(), { state: "ok", attempt: 2 }, "the result is the new attempt's, not the one before the edit");
        assert.strictEqual(r.calls("compose up"), 2);
    });

    it("after a compose edit that breaks the project, fails with the new attempt's reason", async () => {
        const r = start({ ps: oneShotAndServer });
        await r.until("ok", (s) => s.state === "ok");
        r.setPs(["web running  0", "migrate exited  3"]);
        const { error } = await checkReadiness(r, "digest-before");
        assert.match(error ?? "", /^project project-a: service migrate exited with code 3 \(attempt 2\)/);
    });

    it("gives up after its bound, saying what the runner was waiting for", async () => {
        const r = start({ ps: ["db running starting 0"], composeSeconds: 60 });
        const started = Date.now();
        const { error } = await checkReadiness(r, undefined, 2);
        assert.match(error ?? "", /^project project-a: compose was not up after 2s \(last status: waiting-for-services, attempt 1\)/);
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    });

    it("fails at once, quoting its output, when the runner is not running", async () => {
        const r = start({ ps: oneShotAndServer });
        await r.until("ok", (s) => s.state === "ok");
        await r.terminate();
        const { error } = await checkReadiness(r);
        assert.match(error ?? "", /^project project-a: its runner container dc-dev-project-a-runner is not running \(exited 0\)/);
        assert.match(error ?? "", /stopping \(attempt 1, ok\)/);
    });
});

describe("runner environment", () => {
    const base = { project: "project-a", dockerHost: "tcp://project-a:2376", composeFiles: ["/src/a/compose.yaml", "/src/a/compose.override.yaml"], daemonSeconds: 120, composeSeconds: 600 };

    it("hands compose its files, project name and profiles through compose's own variables", () => {
        const env = runnerEnvironment({ ...base, profiles: ["dev", "tools"] });
        assert.strictEqual(env[COMPOSE_ENV.files], "/src/a/compose.yaml:/src/a/compose.override.yaml");
        assert.strictEqual(env[COMPOSE_ENV.projectName], "project-a");
        assert.strictEqual(env[COMPOSE_ENV.profiles], "dev,tools");
        assert.strictEqual(env[RUNNER_ENV.daemonSeconds], "120");
        assert.strictEqual(env[RUNNER_ENV.composeSeconds], "600");
        assert.strictEqual(env[RUNNER_ENV.statusFile], "/run/dind-compose/status");
    });

    it("points the Docker CLI at the project's daemon over verified TLS with its client certificate", () => {
        const env = runnerEnvironment(base);
        assert.strictEqual(env[DOCKER_CLIENT_ENV.host], "tcp://project-a:2376");
        assert.strictEqual(env[DOCKER_CLIENT_ENV.tlsVerify], "1");
        assert.strictEqual(env[DOCKER_CLIENT_ENV.certPath], "/certs/client");
    });

    it("passes envFiles as COMPOSE_ENV_FILES, and refuses a relative one", () => {
        const base = { project: "p", dockerHost: "tcp://p:2376", composeFiles: ["/srv/p/compose.yaml"], daemonSeconds: 60, composeSeconds: 60 };
        assert.strictEqual(runnerEnvironment({ ...base, envFiles: ["/srv/p/a.env", "/srv/p/b.env"] }).COMPOSE_ENV_FILES, "/srv/p/a.env,/srv/p/b.env");
        assert.strictEqual(runnerEnvironment(base).COMPOSE_ENV_FILES, undefined);
        assert.throws(() => runnerEnvironment({ ...base, envFiles: ["a.env"] }), /project p: env file a\.env must be an absolute path/);
    });

    it("leaves COMPOSE_PROFILES to the project's .env when no profile is given", () => {
        assert.ok(!(COMPOSE_ENV.profiles in runnerEnvironment(base)));
    });

    it("passes extra variables for interpolation, and refuses ones that would override the runner's own", () => {
        const env = runnerEnvironment({ ...base, environment: { TAG: "1.2", GREETING: "a b=c" } });
        assert.ok(toEnvList(env).includes("GREETING=a b=c"));
        assert.throws(() => runnerEnvironment({ ...base, environment: { COMPOSE_FILE: "/x.yaml" } }), /project project-a: environment variable COMPOSE_FILE is set by dind-compose itself/);
        assert.throws(() => runnerEnvironment({ ...base, environment: { DOCKER_HOST: "tcp://elsewhere:2376" } }), /DOCKER_HOST is set by dind-compose itself/);
        assert.throws(() => runnerEnvironment({ ...base, environment: { "A=B": "x" } }), /name "A=B" is not valid/);
    });

    it("refuses compose files compose could not take from COMPOSE_FILE", () => {
        assert.throws(() => runnerEnvironment({ ...base, composeFiles: ["compose.yaml"] }), /compose file compose.yaml is not an absolute path/);
        assert.throws(() => runnerEnvironment({ ...base, composeFiles: ["/src/a:b/compose.yaml"] }), /contains ':'/);
        assert.throws(() => runnerEnvironment({ ...base, composeFiles: [] }), /no compose file/);
    });
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    const started = Date.now();
    while (!check()) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
    }
}
