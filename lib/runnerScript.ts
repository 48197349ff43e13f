// The runner's script and its contract. The script itself is a static file,
// lib/runner.sh (checked by shellcheck, run by the unit tests against a stub
// `docker`); this module says how the runner container runs it and which
// environment variables it, and the `docker compose` it runs, read.
// components/runner.ts builds the container's whole environment with
// runnerEnvironment(), so no other file spells these names.

import * as path from "path";
import { RUNNER_STATUS_FILE } from "./runnerStatus";
import { scriptWithoutComments } from "./shellScript";

/** The script on this machine: each runner container's entrypoint runs it (runnerEntrypoint). */
export const RUNNER_SCRIPT_SOURCE = path.join(__dirname, "runner.sh");

/** What the script is called in the container's process list and in its messages about itself ($0). */
export const RUNNER_SCRIPT_NAME = "dind-compose-runner";

export const RUNNER_PATHS = {
    /** The client certificate directory (DOCKER_CERT_PATH). */
    certs: "/certs/client",
    /** The override file handing the stack's CA to every service (`trustStackCa`), last in COMPOSE_FILE. */
    stackCaOverride: "/etc/dind-compose/stack-ca.compose.yaml",
} as const;

/** What lib/runner.sh reads. */
export const RUNNER_ENV = {
    /** The project's name, for messages. */
    project: "DC_PROJECT",
    /** Where to write the status (format: lib/runnerStatus.ts). */
    statusFile: "DC_STATUS_FILE",
    /** Bounded wait for the daemon to answer, in seconds. */
    daemonSeconds: "DC_DAEMON_SECONDS",
    /** Bounded wait for `docker compose up` and then for the services, together, in seconds. */
    composeSeconds: "DC_COMPOSE_SECONDS",
} as const;

/** What `docker compose` reads by itself: the script passes no files or names on its command line. */
export const COMPOSE_ENV = {
    projectName: "COMPOSE_PROJECT_NAME",
    /** Compose files, ':'-separated (compose's default path separator on Linux). */
    files: "COMPOSE_FILE",
    /** Active profiles, ','-separated. */
    profiles: "COMPOSE_PROFILES",
    /** Env files for interpolation instead of `.env`, ','-separated (compose's `--env-file`). */
    envFiles: "COMPOSE_ENV_FILES",
} as const;

/** What the Docker CLI reads: which daemon, over verified TLS, with which client certificate. */
export const DOCKER_CLIENT_ENV = {
    host: "DOCKER_HOST",
    tlsVerify: "DOCKER_TLS_VERIFY",
    certPath: "DOCKER_CERT_PATH",
} as const;

export interface RunnerEnvironmentArgs {
    readonly project: string;
    /** The daemon, `tcp://<host>:<port>`; always reached over verified TLS. */
    readonly dockerHost: string;
    /** Directory of the client certificate, CA and key; default RUNNER_PATHS.certs. */
    readonly certPath?: string;
    /** Compose files, absolute paths (the project is mounted at its host path). */
    readonly composeFiles: readonly string[];
    readonly profiles?: readonly string[];
    /** Env files replacing `.env`, absolute paths. */
    readonly envFiles?: readonly string[];
    /** Extra variables for compose's interpolation. */
    readonly environment?: Readonly<Record<string, string>>;
    readonly daemonSeconds: number;
    readonly composeSeconds: number;
    readonly statusFile?: string;
}

/** The script's text as each runner runs it (without its comment lines), read when the program runs. */
export function readRunnerScript(): string {
    return scriptWithoutComments(RUNNER_SCRIPT_SOURCE);
}

/**
 * The runner container's entrypoint: `sh -c <script>`, as the daemon's command runs lib/daemon.sh. Not an uploaded
 * file: an upload is an archive the engine extracts by starting a process, and the runner's other upload holds a
 * private key, which makes Pulumi store the whole upload list encrypted (the 10 KB script became 18 KB of
 * ciphertext, twice per project, in a state rewritten at every step).
 */
export function runnerEntrypoint(): string[] {
    return ["sh", "-c", readRunnerScript(), RUNNER_SCRIPT_NAME];
}

/**
 * The runner container's whole environment, as name → value. Throws on input compose or the script could not take as it
 * is, naming the project.
 */
export function runnerEnvironment(args: RunnerEnvironmentArgs): Record<string, string> {
    const problems: string[] = [];
    if (args.composeFiles.length === 0) {
        problems.push("no compose file");
    }
    for (const file of args.composeFiles) {
        if (!path.isAbsolute(file)) {
            problems.push(`compose file ${file} is not an absolute path`);
        }
        if (file.includes(":")) {
            problems.push(`compose file ${file} contains ':', which separates files in ${COMPOSE_ENV.files}`);
        }
    }
    for (const file of args.envFiles ?? []) {
        if (!path.isAbsolute(file) || file.includes(",")) {
            problems.push(`env file ${file} must be an absolute path without ','`);
        }
    }
    for (const profile of args.profiles ?? []) {
        if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(profile)) {
            problems.push(`profile "${profile}" is not a valid compose profile name`);
        }
    }
    for (const [name, seconds] of [["daemonSeconds", args.daemonSeconds], ["composeSeconds", args.composeSeconds]] as const) {
        if (!Number.isInteger(seconds) || seconds < 1) {
            problems.push(`${name} must be a positive whole number of seconds, got ${seconds}`);
        }
    }
    const reserved = new Set<string>([...Object.values(RUNNER_ENV), ...Object.values(COMPOSE_ENV), ...Object.values(DOCKER_CLIENT_ENV)]);
    for (const name of Object.keys(args.environment ?? {})) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            problems.push(`environment variable name "${name}" is not valid`);
        } else if (reserved.has(name)) {
            problems.push(`environment variable ${name} is set by dind-compose itself`);
        }
    }
    if (problems.length > 0) {
        throw new Error(`project ${args.project}: ${problems.join("; ")}`);
    }

    const env: Record<string, string> = {
        ...args.environment,
        [DOCKER_CLIENT_ENV.host]: args.dockerHost,
        [DOCKER_CLIENT_ENV.tlsVerify]: "1",
        [DOCKER_CLIENT_ENV.certPath]: args.certPath ?? RUNNER_PATHS.certs,
        [RUNNER_ENV.project]: args.project,
        [RUNNER_ENV.statusFile]: args.statusFile ?? RUNNER_STATUS_FILE,
        [RUNNER_ENV.daemonSeconds]: String(args.daemonSeconds),
        [RUNNER_ENV.composeSeconds]: String(args.composeSeconds),
        [COMPOSE_ENV.projectName]: args.project,
        [COMPOSE_ENV.files]: args.composeFiles.join(":"),
    };
    if (args.profiles && args.profiles.length > 0) {
        env[COMPOSE_ENV.profiles] = args.profiles.join(",");
    }
    if (args.envFiles && args.envFiles.length > 0) {
        env[COMPOSE_ENV.envFiles] = args.envFiles.join(",");
    }
    return env;
}

/** Docker's `NAME=value` list form of an environment, in a stable order. */
export function toEnvList(env: Readonly<Record<string, string>>): string[] {
    return Object.keys(env)
        .sort()
        .map((name) => `${name}=${env[name]}`);
}
