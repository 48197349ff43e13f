// Reading a project's compose model the way compose itself does. "Compose is the
// spec": instead of re-implementing normalisation (interpolation, .env, extends,
// merges of several files, profiles, relative paths), the program asks
// dind-compose-model, compose's own loader (compose-go) built as a host tool by
// scripts/compose-model.sh, for the model the runner's `docker compose config
// --format json` would print. The functions below that take a ComposeModel are
// pure, so they are tested on fixture JSON without the tool.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { dindComposeHome } from "./home";

/** The tool's name on PATH and in $DIND_COMPOSE_HOME/bin. */
export const COMPOSE_MODEL_TOOL = "dind-compose-model";

/** Compose's project flags plus the environment it runs in. */
export interface ComposeModelRequest {
    /** `--project-directory`; compose's default is the directory of the first compose file. */
    readonly projectDirectory?: string;
    /** `-f` files, in order; relative ones resolve from `cwd`. Default: compose's own discovery. */
    readonly files?: readonly string[];
    /** `--project-name`; default: compose's (the `name:` key, COMPOSE_PROJECT_NAME, or the directory). */
    readonly projectName?: string;
    /** `--profile`s to enable; default: COMPOSE_PROFILES from `env` or `.env`. */
    readonly profiles?: readonly string[];
    /** `--env-file`s; default: the `.env` of the project directory, as compose. */
    readonly envFiles?: readonly string[];
    /**
     * The whole environment compose runs in (interpolation, COMPOSE_* settings,
     * HOME for `~`). Nothing else is inherited. Sent on stdin, never on a command line.
     */
    readonly env?: Readonly<Record<string, string>>;
    /** The directory compose runs in; default `projectDirectory`, else the current directory. */
    readonly cwd?: string;
    /** Bound on one call; default 15 s. */
    readonly timeoutMs?: number;
}

/** One `ports:` entry in compose's normalised (long) syntax. */
export interface ComposePort {
    readonly target: number;
    /** A port or a range (`"8000-8005"`); absent when compose picks one. */
    readonly published?: string;
    readonly host_ip?: string;
    readonly protocol?: string;
    readonly mode?: string;
    readonly name?: string;
}

/** One `volumes:` entry of a service, normalised (long syntax, absolute bind sources). */
export interface ComposeMount {
    readonly type: "bind" | "volume" | "tmpfs" | "npipe" | "cluster" | "image" | string;
    readonly source?: string;
    readonly target: string;
    readonly read_only?: boolean;
}

export interface ComposeBuild {
    /** Absolute for a local context; a URL or git reference otherwise. */
    readonly context: string;
    /** Relative to the context unless absolute. */
    readonly dockerfile?: string;
    readonly dockerfile_inline?: string;
    readonly additional_contexts?: Readonly<Record<string, string>>;
}

export interface ComposeService {
    readonly image?: string;
    readonly build?: ComposeBuild;
    readonly ports?: readonly ComposePort[];
    readonly volumes?: readonly ComposeMount[];
    readonly profiles?: readonly string[];
    readonly depends_on?: Readonly<Record<string, { readonly condition: string; readonly required?: boolean; readonly restart?: boolean }>>;
    readonly environment?: Readonly<Record<string, string | null>>;
    readonly [key: string]: unknown;
}

export interface ComposeFileObject {
    readonly name?: string;
    /** Absolute host file (`configs:`/`secrets:` with `file:`). */
    readonly file?: string;
    readonly [key: string]: unknown;
}

export interface ComposeVolume {
    readonly name?: string;
    readonly driver?: string;
    readonly driver_opts?: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
}

/** The normalised project, as `docker compose config --format json` prints it. */
export interface NormalisedProject {
    readonly name: string;
    /** Enabled services only: profiles are already applied. */
    readonly services: Readonly<Record<string, ComposeService>>;
    readonly networks?: Readonly<Record<string, unknown>>;
    readonly volumes?: Readonly<Record<string, ComposeVolume>>;
    readonly configs?: Readonly<Record<string, ComposeFileObject>>;
    readonly secrets?: Readonly<Record<string, ComposeFileObject>>;
    readonly [key: string]: unknown;
}

/** What dind-compose-model prints. */
export interface ComposeModel {
    /**
     * `docker compose config --format json`, except that compose's printer also
     * doubles every `$` (so the output can be loaded again); here values are as they are.
     */
    readonly project: NormalisedProject;
    /** Every host file compose read to build the model, absolute, in reading order. */
    readonly files: readonly string[];
    /** The compose files (`-f`, or the discovered default and its override). */
    readonly composeFiles: readonly string[];
    /** The `.env` / `--env-file` files used for interpolation. */
    readonly envFiles: readonly string[];
    /** The project's working directory: relative paths in the compose files resolve from it. */
    readonly workingDir: string;
    /** What compose would print as warnings (e.g. the obsolete `version:` key). */
    readonly warnings: readonly string[];
    /** The compose-go version the tool was built with. */
    readonly composeGo: string;
}

/** A compose definition that compose itself refuses; the message is compose's (it names the file). */
export class ComposeModelError extends Error {
    constructor(public readonly composeMessage: string) {
        super(composeMessage);
        this.name = "ComposeModelError";
    }
}

/** The tool is not installed, or did not answer as it should. */
export class ComposeModelToolError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ComposeModelToolError";
    }
}

/** Where the tool is: on PATH, else in $DIND_COMPOSE_HOME/bin (default ~/.dind-compose/bin). */
export function findComposeModelTool(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const candidates = (env.PATH ?? "")
        .split(path.delimiter)
        .filter((dir) => dir !== "")
        .map((dir) => path.join(dir, COMPOSE_MODEL_TOOL));
    candidates.push(path.join(dindComposeHome(env), "bin", COMPOSE_MODEL_TOOL));
    return candidates.find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function missingTool(env: NodeJS.ProcessEnv): ComposeModelToolError {
    const bin = path.join(dindComposeHome(env), "bin");
    return new ComposeModelToolError(
        `${COMPOSE_MODEL_TOOL} is not installed (looked on PATH and in ${bin}); ` +
            "it reads compose files with compose's own loader: run scripts/compose-model.sh (or scripts/provision.sh)",
    );
}

/**
 * Loads a project's compose model with compose's own loader. Throws
 * ComposeModelError with compose's message when compose refuses the project,
 * ComposeModelToolError when the tool is missing or fails otherwise.
 */
export function loadComposeModel(request: ComposeModelRequest, env: NodeJS.ProcessEnv = process.env): ComposeModel {
    const tool = findComposeModelTool(env);
    if (tool === undefined) {
        throw missingTool(env);
    }
    const timeoutMs = request.timeoutMs ?? 15_000;
    const input = JSON.stringify({
        projectDirectory: request.projectDirectory ?? "",
        files: request.files ?? [],
        projectName: request.projectName ?? "",
        profiles: request.profiles ?? [],
        envFiles: request.envFiles ?? [],
        env: request.env ?? {},
    });
    let stdout: string;
    try {
        stdout = execFileSync(tool, ["--stdin"], {
            input,
            cwd: request.cwd ?? request.projectDirectory ?? process.cwd(),
            encoding: "utf8",
            env: {},
            timeout: timeoutMs,
            killSignal: "SIGKILL",
            maxBuffer: 64 * 1024 * 1024,
            stdio: ["pipe", "pipe", "pipe"],
        });
    } catch (err) {
        throw toolFailure(err, tool, timeoutMs, env);
    }
    try {
        return JSON.parse(stdout) as ComposeModel;
    } catch {
        throw new ComposeModelToolError(`${tool} printed something other than JSON: ${stdout.slice(0, 200)}`);
    }
}

function toolFailure(err: unknown, tool: string, timeoutMs: number, env: NodeJS.ProcessEnv): Error {
    const e = err as NodeJS.ErrnoException & { status?: number | null; signal?: string | null; stderr?: string };
    if (e.code === "ENOENT" && e.status === undefined) {
        return missingTool(env);
    }
    if (e.code === "ETIMEDOUT" || (e.signal && e.status === null)) {
        return new ComposeModelToolError(`${tool} did not answer within ${Math.round(timeoutMs / 1000)}s (killed by ${e.signal ?? "timeout"})`);
    }
    const stderr = String(e.stderr ?? "").trim();
    if (e.status === 1 && stderr !== "") {
        return new ComposeModelError(stderr);
    }
    const why = e.status != null ? `exited with ${e.status}` : (e.message ?? String(err));
    return new ComposeModelToolError(`${tool} ${why}${stderr ? `: ${stderr}` : ""}`);
}

// --- Pure functions over the normalised model ------------------------------------

/** One TCP port a service publishes with a fixed host port. */
export interface PublishedPort {
    readonly service: string;
    /** The port on the daemon's interfaces. */
    readonly published: number;
    /** The port inside the service's container. */
    readonly target: number;
    /** The daemon address it is bound to, when the compose file names one. */
    readonly hostIp?: string;
}

/** Service names, sorted (profiles already applied: only enabled services). */
export function services(model: ComposeModel): string[] {
    return Object.keys(model.project.services).sort();
}

/**
 * TCP ports published on a fixed host port, services in name order, each
 * service's ports in file order. Skipped: UDP/SCTP, ports compose publishes on
 * a random host port, and published ranges.
 */
export function publishedPorts(model: ComposeModel): PublishedPort[] {
    const result: PublishedPort[] = [];
    for (const service of services(model)) {
        for (const port of model.project.services[service].ports ?? []) {
            if ((port.protocol ?? "tcp").toLowerCase() !== "tcp" || port.published === undefined) {
                continue;
            }
            const published = String(port.published);
            if (!/^\d+$/.test(published) || Number(published) === 0) {
                continue;
            }
            result.push({
                service,
                published: Number(published),
                target: port.target,
                ...(port.host_ip ? { hostIp: port.host_ip } : {}),
            });
        }
    }
    return result;
}

/** Why the model references a host path. */
export type HostPathKind =
    | "bind" // a bind mount's source (a service's volumes:)
    | "volume-device" // a `local` volume with `o: bind` and a `device:`
    | "build-context" // a local build context (directory)
    | "additional-context" // build.additional_contexts, local ones
    | "dockerfile"
    | "config" // configs.*.file
    | "secret" // secrets.*.file
    | "file"; // a file compose read: compose files, .env, env_file, extends, label_file

export interface HostPath {
    /** Absolute. */
    readonly path: string;
    readonly kind: HostPathKind;
    /** Whether containers may write there (a read-write bind mount or volume device). */
    readonly writable: boolean;
    /** The service, config, secret or volume that references it; absent for `file`. */
    readonly owner?: string;
}

/**
 * Every host path the model references, sorted by path: bind-mount sources
 * (writable unless read_only), local build contexts and their Dockerfiles,
 * local additional build contexts, `configs`/`secrets` files, devices of
 * `local` volumes that bind a host path, and every file in `files`. Named
 * volumes, tmpfs, npipes and remote (URL, git, `docker-image://`) contexts
 * are not host paths and are left out.
 */
export function hostPaths(model: ComposeModel): HostPath[] {
    const seen = new Set<string>();
    const result: HostPath[] = [];
    const add = (entry: HostPath): void => {
        const key = JSON.stringify([entry.path, entry.kind, entry.writable, entry.owner ?? ""]);
        if (path.isAbsolute(entry.path) && !seen.has(key)) {
            seen.add(key);
            result.push(entry);
        }
    };
    for (const [name, service] of Object.entries(model.project.services)) {
        for (const mount of service.volumes ?? []) {
            if (mount.type === "bind" && mount.source) {
                add({ path: mount.source, kind: "bind", writable: mount.read_only !== true, owner: name });
            }
        }
        const build = service.build;
        if (build && path.isAbsolute(build.context)) {
            add({ path: build.context, kind: "build-context", writable: false, owner: name });
            const dockerfile = dockerfileOf(build);
            if (dockerfile !== undefined) {
                add({ path: dockerfile, kind: "dockerfile", writable: false, owner: name });
            }
        }
        for (const context of Object.values(build?.additional_contexts ?? {})) {
            add({ path: context, kind: "additional-context", writable: false, owner: name });
        }
    }
    for (const [name, config] of Object.entries(model.project.configs ?? {})) {
        if (config.file) {
            add({ path: config.file, kind: "config", writable: false, owner: name });
        }
    }
    for (const [name, secret] of Object.entries(model.project.secrets ?? {})) {
        if (secret.file) {
            add({ path: secret.file, kind: "secret", writable: false, owner: name });
        }
    }
    for (const [name, volume] of Object.entries(model.project.volumes ?? {})) {
        const opts = volume.driver_opts ?? {};
        const o = (opts.o ?? "").split(",").map((s) => s.trim());
        if ((volume.driver ?? "local") === "local" && o.includes("bind") && opts.device) {
            add({ path: opts.device, kind: "volume-device", writable: !o.includes("ro"), owner: name });
        }
    }
    for (const file of model.files) {
        add({ path: file, kind: "file", writable: false });
    }
    return result.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** An image a service names explicitly with `image:`. */
export interface ServiceImage {
    readonly service: string;
    readonly image: string;
    /** The service also has `build:`, so compose builds (and tags) this image rather than pulling it. */
    readonly built: boolean;
}

/** Each service's explicit `image:`, services in name order (build-only services have none). */
export function images(model: ComposeModel): ServiceImage[] {
    return services(model)
        .map((service) => ({ service, s: model.project.services[service] }))
        .filter(({ s }) => typeof s.image === "string" && s.image !== "")
        .map(({ service, s }) => ({ service, image: s.image as string, built: s.build !== undefined }));
}

/** Absolute paths of the Dockerfiles compose builds from, sorted, each once (inline and remote ones have none). */
export function dockerfiles(model: ComposeModel): string[] {
    const files = new Set<string>();
    for (const service of Object.values(model.project.services)) {
        const file = service.build && path.isAbsolute(service.build.context) ? dockerfileOf(service.build) : undefined;
        if (file !== undefined) {
            files.add(file);
        }
    }
    return [...files].sort();
}

function dockerfileOf(build: ComposeBuild): string | undefined {
    if (build.dockerfile_inline !== undefined) {
        return undefined;
    }
    return path.resolve(build.context, build.dockerfile ?? "Dockerfile");
}
