// Runs the real `pulumi` CLI for engine tests: each workspace gets its own
// file backend and passphrase, so tests never touch a developer's stacks, and
// every command is bounded in time and reports its output when it fails.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { dindComposeHome } from "../../lib/home";

export const repoRoot = path.resolve(__dirname, "../..");

export interface RunResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

/** Runs a command with a time bound; never throws on a non-zero exit. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutSeconds?: number; input?: string } = {}): RunResult {
    const started = Date.now();
    const result = spawnSync(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        input: options.input,
        encoding: "utf8",
        timeout: (options.timeoutSeconds ?? 600) * 1000,
        maxBuffer: 64 * 1024 * 1024,
    });
    return {
        code: result.status ?? (result.signal ? 128 : 1),
        stdout: result.stdout ?? "",
        stderr: (result.stderr ?? "") + (result.error ? `\n${result.error.message}` : ""),
        seconds: (Date.now() - started) / 1000,
    };
}

/** Like run, but throws with the command's output when it fails. */
export function must(command: string, args: string[], options: Parameters<typeof run>[2] = {}): RunResult {
    return succeeded(run(command, args, options), `${command} ${args.join(" ")}`);
}

/** `result` when it exited 0; otherwise an error naming `what`, with the ends of its output. */
function succeeded(result: RunResult, what: string, stdoutLines = 60): RunResult {
    if (result.code !== 0) {
        throw new Error(`${what} exited ${result.code} after ${result.seconds}s\n--- stdout\n${tail(result.stdout, stdoutLines)}\n--- stderr\n${tail(result.stderr)}`);
    }
    return result;
}

function tail(text: string, lines = 60): string {
    return text.split("\n").slice(-lines).join("\n");
}

/** The environment every script of the project sets up (tools on PATH, plugins offline). */
function toolEnv(): NodeJS.ProcessEnv {
    const home = dindComposeHome();
    return {
        ...process.env,
        PATH: `${path.join(home, "bin")}:${process.env.PATH}`,
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
    };
}

/** A Pulumi project directory with its own backend, stack and passphrase. */
export class PulumiWorkspace {
    readonly env: NodeJS.ProcessEnv;

    constructor(
        readonly dir: string,
        readonly stack: string,
    ) {
        const state = path.join(dir, ".state");
        fs.mkdirSync(state, { recursive: true });
        this.env = {
            ...toolEnv(),
            PULUMI_BACKEND_URL: `file://${state}`,
            PULUMI_CONFIG_PASSPHRASE: "dind-compose-tests",
            PULUMI_CONFIG_PASSPHRASE_FILE: "",
        };
        delete this.env.PULUMI_CONFIG_PASSPHRASE_FILE;
    }

    /** `pulumi <args> --stack <stack>` in the workspace, bounded in time. */
    pulumi(args: string[], timeoutSeconds = 900): RunResult {
        return run("pulumi", [...args, "--stack", this.stack, "--non-interactive"], { cwd: this.dir, env: this.env, timeoutSeconds });
    }

    mustPulumi(args: string[], timeoutSeconds = 900): RunResult {
        return succeeded(this.pulumi(args, timeoutSeconds), `pulumi ${args.join(" ")} (stack ${this.stack})`, 120);
    }

    initStack(): void {
        const init = run("pulumi", ["stack", "init", this.stack, "--non-interactive"], { cwd: this.dir, env: this.env, timeoutSeconds: 120 });
        if (init.code !== 0 && !/already exists/.test(init.stderr)) {
            throw new Error(`pulumi stack init ${this.stack} failed:\n${init.stderr}`);
        }
    }

    /** Destroys and removes the stack; best effort, for cleanup paths. */
    destroyQuietly(): RunResult {
        const destroy = this.pulumi(["destroy", "--yes", "--skip-preview"], 900);
        this.pulumi(["stack", "rm", "--yes", "--force"], 120);
        return destroy;
    }
}

/** What a copy of the Pulumi program needs, beside node_modules. */
const PROGRAM_ENTRIES = ["index.ts", "components", "lib", "Pulumi.yaml", "package.json", "tsconfig.json"];

/** Copies the program (and `extra` entries of the repository) into `dir`, with node_modules linked. */
export function copyProgram(dir: string, extra: string[] = []): void {
    for (const entry of [...PROGRAM_ENTRIES, ...extra]) {
        fs.cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
}

/** A suite's last cleanup: destroy the stack, and remove whatever carries its label when destroy could not. */
export function cleanUpStack(ws: PulumiWorkspace | undefined, label: string, stack: string): void {
    if (ws) {
        const destroy = ws.destroyQuietly();
        if (destroy.code !== 0) {
            console.log(`      cleanup: pulumi destroy failed, removing labelled objects directly\n${destroy.stderr.slice(-2000)}`);
        }
    }
    removeLabelled(label, stack);
}

/** IDs of host containers carrying `label=value`, running or not. */
export function containersLabelled(label: string, value: string): string[] {
    const out = must("docker", ["ps", "-aq", "--no-trunc", "--filter", `label=${label}=${value}`]).stdout;
    return out.split("\n").filter((l) => l.length > 0);
}

/** Removes every container, network and volume carrying `label=value` (test cleanup of last resort). */
export function removeLabelled(label: string, value: string): void {
    const filter = `label=${label}=${value}`;
    const ids = containersLabelled(label, value);
    if (ids.length > 0) {
        run("docker", ["rm", "-f", "-v", ...ids]);
    }
    const networks = must("docker", ["network", "ls", "-q", "--filter", filter]).stdout.split("\n").filter(Boolean);
    if (networks.length > 0) {
        run("docker", ["network", "rm", ...networks]);
    }
    const volumes = must("docker", ["volume", "ls", "-q", "--filter", filter]).stdout.split("\n").filter(Boolean);
    if (volumes.length > 0) {
        run("docker", ["volume", "rm", "-f", ...volumes]);
    }
}
