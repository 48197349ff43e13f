// The stack configuration: every key a developer may set in Pulumi.<stack>.yaml,
// its default, and its validation. Validation is complete before any resource
// is created and reports every problem at once, each naming the stack key, the
// project, what is wrong and how to fix it.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ComposeError, findComposeFile, readComposeProject, COMPOSE_FILE_NAMES } from "./compose";
import { DEFAULT_IMAGES, INFRA_IMAGES, InfraImage } from "./images";
import { ComposeModelError } from "./composeModel";
import { RESERVED_PROJECT_NAMES } from "./names";
import { ParityMount, parityMounts } from "./pathParity";
import { ProjectModel, readProjectModel } from "./projectModel";

/** The config namespace: keys are written `dind-compose:<key>` in the stack file. */
export const NAMESPACE = "dind-compose";

export interface Route {
    /** Host name nginx answers for, e.g. `a.project.localhost`. */
    readonly host: string;
    /** Port published inside the project's daemon that nginx forwards to. */
    readonly port: number;
}

export interface ProjectSettings {
    /** DNS label naming the project; used in container names and as the daemon's network alias. */
    readonly name: string;
    /** Absolute path of the project directory (mounted at the same path in daemon and runner). */
    readonly dir: string;
    /** The project as compose's own normaliser reads it. */
    readonly compose: ProjectModel;
    /** Compose profiles to enable (COMPOSE_PROFILES). */
    readonly profiles: string[];
    /** The environment compose interpolates from besides `.env`: HOME and the project's `environment`. */
    readonly environment: Record<string, string>;
    /** Env files for interpolation instead of `.env` (compose's `--env-file`, COMPOSE_ENV_FILES), absolute. */
    readonly envFiles: string[];
    /** Hand the stack's CA to every service's containers through an override file the runner applies (opt-in). */
    readonly trustStackCa: boolean;
    /** Every host path the project uses, mounted at its own path in daemon and runner. */
    readonly mounts: ParityMount[];
    /** Routes through the proxy, configured or derived from published ports. */
    readonly routes: Route[];
    /** Host port (on 127.0.0.1) publishing the daemon's TLS socket, if any. */
    readonly dockerPort?: number;
}

export interface ProxySettings {
    readonly bindAddress: string;
    readonly httpPort: number;
    readonly httpsPort: number;
    /** DNS names every route host must equal or end in (`.<domain>`): what the stack's CA may vouch for. */
    readonly domains: string[];
}

/** The stack's own images, one per role (defaults from lib/images.ts). */
export type ImageSettings = { readonly [role in InfraImage]: string };

export interface MirrorSettings {
    /** Run a read-only pull-through registry cache shared by every daemon of the stack. */
    readonly enabled: boolean;
    /** The registry it caches (Docker Hub unless a company mirror is given). */
    readonly upstream: string;
}

export interface TimeoutSettings {
    /** How long a runner (and `pulumi up`) waits for its daemon to answer. */
    readonly daemonSeconds: number;
    /** How long `pulumi up` waits for a project's `docker compose up` to finish. */
    readonly composeSeconds: number;
}

export interface Settings {
    readonly stack: string;
    readonly projects: ProjectSettings[];
    readonly proxy: ProxySettings;
    readonly images: ImageSettings;
    /** Host images loaded into every project's daemon from the host engine, as the user wrote them. */
    readonly preload: string[];
    readonly mirror: MirrorSettings;
    readonly timeouts: TimeoutSettings;
    /** Problems that do not stop the stack but deserve a look. */
    readonly warnings: string[];
}

/** Every problem found in a stack's configuration, one per line. */
export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: string[],
    ) {
        super(
            `invalid configuration in Pulumi.${stack}.yaml (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

const TOP_LEVEL_KEYS = ["projects", "proxy", "images", "preload", "mirror", "timeouts"];
const PROJECT_KEYS = ["name", "path", "composeFile", "composeFiles", "profiles", "environment", "envFiles", "trustStackCa", "routes", "dockerPort"];
/** Compose's own rules for profile names and environment variable names. */
const PROFILE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ROUTE_KEYS = ["host", "port"];
const PROXY_KEYS = ["bindAddress", "httpPort", "httpsPort", "domains"];
const IMAGE_KEYS: readonly InfraImage[] = INFRA_IMAGES;
/** `port` and `seed` are still accepted (with a warning) so existing stack files keep working. */
const MIRROR_KEYS = ["enabled", "upstream", "port", "seed"];
/** Docker Hub's registry endpoint: the only registry `--registry-mirror` applies to. */
export const DOCKER_HUB_REGISTRY = "https://registry-1.docker.io";
const TIMEOUT_KEYS = ["daemonSeconds", "composeSeconds"];

const DEFAULT_DOMAINS = ["localhost"];
/**
 * Single-label domains a stack may use: names reserved for local or private
 * use, which no public site has. Any other single label is a public top-level
 * domain, and the stack's CA would then vouch for any site under it.
 */
const LOCAL_TOP_LEVEL_DOMAINS = ["localhost", "test", "internal"];

/** Why each reserved project name is reserved (lib/names.ts holds the list). */
const RESERVED_BECAUSE: Record<string, string> = {
    mirror: `the stack's registry mirror answers to "mirror" on the edge network, where a project's name is its daemon's address`,
    proxy: `the stack's nginx proxy answers to "proxy" on the edge network, where a project's name is its daemon's address`,
    localhost: `a runner reaches its daemon by the project's name, and "localhost" would point the runner at itself`,
};

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_LABEL_RULE = "1-63 lower-case letters, digits and '-', not starting or ending with '-'";

/** What is wrong with `label` as a DNS label, or undefined when it is one. */
export function dnsLabelProblem(label: unknown): string | undefined {
    if (typeof label !== "string") {
        return "it is not a string";
    }
    return DNS_LABEL.test(label) ? undefined : `${JSON.stringify(label)} is not a DNS label (${DNS_LABEL_RULE})`;
}

/**
 * What is wrong with `host` as a route host, or undefined when it is one:
 * lower-case DNS labels separated by '.', at most 253 characters. The one
 * definition shared by validation and the nginx renderer.
 */
export function hostNameProblem(host: unknown): string | undefined {
    if (typeof host !== "string") {
        return "it is not a string";
    }
    if (host === "") {
        return "it is empty";
    }
    if (host.length > 253) {
        return `it is ${host.length} characters long, more than the 253 a host name may have`;
    }
    for (const label of host.split(".")) {
        const problem = dnsLabelProblem(label);
        if (problem !== undefined) {
            return label === "" ? "it has an empty label (a leading, trailing or doubled '.')" : `its label ${problem}`;
        }
    }
    return undefined;
}

/** Lower-case DNS name: labels of [a-z0-9-], not starting or ending with '-'. */
export function isHostName(host: string): boolean {
    return hostNameProblem(host) === undefined;
}

export interface ValidationOptions {
    /** Create missing bind-mount sources as `docker compose up` does (on `pulumi up`; never on a preview). */
    readonly createMissingBindSources?: boolean;
}

/**
 * Validates the raw values of the `dind-compose:*` keys (already JSON-decoded,
 * keyed without the namespace) and returns complete settings, or throws a
 * ConfigError listing every problem. `projectRoot` is the directory holding
 * Pulumi.yaml; relative project paths resolve from there.
 */
export function validateSettings(raw: Record<string, unknown>, stack: string, projectRoot: string, options: ValidationOptions = {}): Settings {
    const problems: string[] = [];
    const warnings: string[] = [];
    const key = (k: string) => `${NAMESPACE}:${k}`;

    for (const k of Object.keys(raw)) {
        if (!TOP_LEVEL_KEYS.includes(k)) {
            problems.push(`${key(k)}: unknown key; the keys are ${TOP_LEVEL_KEYS.map(key).join(", ")}`);
        }
    }

    const proxyRaw = objectAt(raw.proxy, key("proxy"), PROXY_KEYS, problems);
    const proxy: ProxySettings = {
        bindAddress: ipv4At(proxyRaw.bindAddress, "127.0.0.1", `${key("proxy")}.bindAddress`, problems),
        httpPort: portAt(proxyRaw.httpPort, 80, `${key("proxy")}.httpPort`, problems),
        httpsPort: portAt(proxyRaw.httpsPort, 443, `${key("proxy")}.httpsPort`, problems),
        domains: domainsAt(proxyRaw.domains, `${key("proxy")}.domains`, problems),
    };
    if (!proxy.bindAddress.startsWith("127.")) {
        warnings.push(
            `${key("proxy")}.bindAddress: ${proxy.bindAddress} is not a loopback address: every project becomes reachable from the network ` +
                `(anyone who can reach this machine on ports ${proxy.httpPort} and ${proxy.httpsPort}); use 127.0.0.1 unless you mean to share them`,
        );
    }

    const imagesRaw = objectAt(raw.images, key("images"), [...IMAGE_KEYS], problems);
    const images = Object.fromEntries(
        IMAGE_KEYS.map((role) => [role, stackImageAt(imagesRaw[role], DEFAULT_IMAGES[role], `${key("images")}.${role}`, problems)]),
    ) as ImageSettings;

    // Preloaded images are the user's own: any valid reference, pinned or not, each once.
    const preload: string[] = [];
    const preloaded = new Map<string, string>();
    const addPreload = (value: unknown, at: string, duplicateIsProblem: boolean) => {
        if (typeof value !== "string" || !isImageReference(value)) {
            problems.push(`${at}: ${JSON.stringify(value)} is not a valid image reference; ${REFERENCE_FORMAT}, e.g. "busybox:1.37" or "ghcr.io/me/app"`);
            return;
        }
        const normal = normaliseImage(value);
        const first = preloaded.get(normal);
        if (first === undefined) {
            preloaded.set(normal, at);
            preload.push(value);
        } else if (duplicateIsProblem) {
            const firstRef = preload[[...preloaded.keys()].indexOf(normal)];
            problems.push(`${at}: ${JSON.stringify(value)} is the same image as ${first} (${JSON.stringify(firstRef)}); list it once`);
        }
    };
    const listAt = (value: unknown, at: string, each: (item: unknown, itemAt: string) => void) => {
        if (value === undefined) {
            return;
        }
        if (!Array.isArray(value)) {
            problems.push(`${at}: must be a list of image references, e.g. ["busybox:1.37", "ghcr.io/me/app"]`);
            return;
        }
        value.forEach((item, i) => each(item, `${at}[${i}]`));
    };
    listAt(raw.preload, key("preload"), (item, at) => addPreload(item, at, true));

    const mirrorRaw = objectAt(raw.mirror, key("mirror"), MIRROR_KEYS, problems);
    const mirror: MirrorSettings = {
        enabled: booleanAt(mirrorRaw.enabled, true, `${key("mirror")}.enabled`, problems),
        upstream: urlAt(mirrorRaw.upstream, DOCKER_HUB_REGISTRY, `${key("mirror")}.upstream`, problems),
    };
    if (mirrorRaw.port !== undefined) {
        warnings.push(
            `${key("mirror")}.port: no longer used: the mirror is a read-only pull-through cache that nothing pushes to, so it claims no host port; remove the key`,
        );
    }
    if (mirrorRaw.seed !== undefined) {
        warnings.push(
            `${key("mirror")}.seed: moved to ${key("preload")}, which loads its images into every project's daemon from the host engine ` +
                `(the mirror only caches pulls now); its images are preloaded meanwhile, move the list to ${key("preload")}`,
        );
        listAt(mirrorRaw.seed, `${key("mirror")}.seed`, (item, at) => addPreload(item, at, false));
    }

    const timeoutsRaw = objectAt(raw.timeouts, key("timeouts"), TIMEOUT_KEYS, problems);
    const timeouts: TimeoutSettings = {
        daemonSeconds: integerAt(timeoutsRaw.daemonSeconds, 120, 5, 3600, `${key("timeouts")}.daemonSeconds`, problems),
        composeSeconds: integerAt(timeoutsRaw.composeSeconds, 600, 10, 7200, `${key("timeouts")}.composeSeconds`, problems),
    };

    const projects = projectsAt(raw.projects, projectRoot, proxy.domains, problems, warnings, options);

    // Host names and host ports must be unique across the whole stack.
    const hosts = new Map<string, string>();
    for (const project of projects) {
        project.routes.forEach((route) => {
            const owner = hosts.get(route.host);
            if (owner !== undefined) {
                problems.push(
                    `${key("projects")} (project "${project.name}"): route host "${route.host}" is already routed to project "${owner}"; ` +
                        `give one of them another host under its "routes"`,
                );
            }
            hosts.set(route.host, project.name);
        });
    }
    const hostPorts = new Map<number, string>();
    const claimPort = (port: number, what: string) => {
        const other = hostPorts.get(port);
        if (other !== undefined) {
            problems.push(`${what}: host port ${port} is already used by ${other}; choose another port`);
        }
        hostPorts.set(port, what);
    };
    claimPort(proxy.httpPort, `${key("proxy")}.httpPort`);
    claimPort(proxy.httpsPort, `${key("proxy")}.httpsPort`);
    projects.forEach((p) => p.dockerPort !== undefined && claimPort(p.dockerPort, `${key("projects")} (project "${p.name}").dockerPort`));

    if (problems.length > 0) {
        throw new ConfigError(stack, problems);
    }
    return { stack, projects, proxy, images, preload, mirror, timeouts, warnings };
}

/** `proxy.domains`: valid, not public top-level domains, each once; invalid entries are dropped after reporting them. */
function domainsAt(value: unknown, at: string, problems: string[]): string[] {
    if (value === undefined) {
        return [...DEFAULT_DOMAINS];
    }
    if (!Array.isArray(value)) {
        problems.push(`${at}: must be a list of DNS names that route hosts may end in, e.g. ["localhost", "dev.example.com"]`);
        return [...DEFAULT_DOMAINS];
    }
    if (value.length === 0) {
        problems.push(`${at}: must list at least one domain (every route host must be under one), e.g. ["localhost"]`);
        return [];
    }
    const domains: string[] = [];
    value.forEach((domain, i) => {
        const itemAt = `${at}[${i}]`;
        const problem = hostNameProblem(domain);
        if (problem !== undefined) {
            problems.push(
                `${itemAt}: ${JSON.stringify(domain)} is not a valid domain (${problem}); ` +
                    `write the domain itself in lower case, without '*' or a leading '.', e.g. "dev.example.com" (it covers every name under it)`,
            );
            return;
        }
        const name = domain as string;
        const labels = name.split(".");
        if (labels.length === 1 && !LOCAL_TOP_LEVEL_DOMAINS.includes(name)) {
            problems.push(
                `${itemAt}: ${JSON.stringify(name)} is a top-level domain: the stack's CA would vouch for every name under .${name}; ` +
                    `use a domain you control, e.g. "dev.example.com", or one reserved for local use (${LOCAL_TOP_LEVEL_DOMAINS.join(", ")})`,
            );
            return;
        }
        if (/^[0-9]+$/.test(labels[labels.length - 1])) {
            problems.push(`${itemAt}: ${JSON.stringify(name)} looks like an IP address, not a domain; use a DNS name such as "dev.example.com"`);
            return;
        }
        const earlier = domains.indexOf(name);
        if (earlier >= 0) {
            problems.push(`${itemAt}: ${JSON.stringify(name)} is already ${at}[${value.indexOf(name)}]; list it once`);
            return;
        }
        domains.push(name);
    });
    return domains;
}

/** The domain of `domains` that `host` is or is under, if any. */
function domainOf(host: string, domains: readonly string[]): string | undefined {
    return domains.find((d) => host === d || host.endsWith(`.${d}`));
}

/** A user-supplied string in a message: as is when it is plain, JSON-quoted when it holds control characters. */
function shown(text: string): string {
    return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}

function createDirectory(dir: string): boolean {
    try {
        fs.mkdirSync(dir, { recursive: true });
        return true;
    } catch {
        return false; // the daemon will report it, as it would to plain compose
    }
}

function isDirectory(dir: string): boolean {
    try {
        return fs.statSync(dir).isDirectory();
    } catch {
        return false;
    }
}

function isFile(file: string): boolean {
    try {
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function projectsAt(
    value: unknown,
    projectRoot: string,
    domains: readonly string[],
    problems: string[],
    warnings: string[],
    options: ValidationOptions,
): ProjectSettings[] {
    const base = `${NAMESPACE}:projects`;
    if (value === undefined) {
        warnings.push(`${base} is not set: the stack has a proxy but no projects. Add projects as a list of {name, path}.`);
        return [];
    }
    if (!Array.isArray(value)) {
        problems.push(`${base}: must be a list of projects, each {name, path}`);
        return [];
    }
    const projects: ProjectSettings[] = [];
    const names = new Map<string, number>();
    value.forEach((item, i) => {
        const before = problems.length;
        const at = `${base}[${i}]`;
        const raw = objectAt(item, at, PROJECT_KEYS, problems);
        const name = typeof raw.name === "string" ? raw.name : "";
        const nameIsLabel = DNS_LABEL.test(name);
        // Only a valid name goes into messages unquoted; anything else is shown JSON-quoted where it is reported.
        const where = nameIsLabel ? `${at} (project "${name}")` : at;
        if (!nameIsLabel) {
            problems.push(
                `${at}.name: ${raw.name === undefined ? "is missing" : `${JSON.stringify(raw.name)} is not a DNS label`}; ` +
                    `use 1-63 lower-case letters, digits and '-', e.g. "project-a"`,
            );
        } else if (RESERVED_PROJECT_NAMES.includes(name)) {
            const because = RESERVED_BECAUSE[name] ?? "the stack uses it for one of its own containers";
            problems.push(`${at}.name: "${name}" is reserved: ${because}; choose another name, e.g. "${name}-app"`);
        } else if (names.has(name)) {
            problems.push(`${at}.name: "${name}" is already the name of ${base}[${names.get(name)}]; project names must be unique`);
        } else {
            names.set(name, i);
        }

        let compose: ProjectModel | undefined;
        let dir = "";
        let envFiles: string[] = [];
        const profiles = stringListAt(raw.profiles, `${where}.profiles`, PROFILE_NAME, 'profile names such as "tools"', problems);
        const environment = environmentAt(raw.environment, `${where}.environment`, problems);
        if (raw.path === undefined || raw.path === "") {
            problems.push(`${where}.path: is missing; set it to the directory holding the project's compose file`);
        } else if (typeof raw.path !== "string") {
            problems.push(`${where}.path: ${JSON.stringify(raw.path)} must be a string: the directory holding the project's compose file`);
        } else {
            dir = path.resolve(projectRoot, raw.path);
            const files = isDirectory(dir) ? composeFilesAt(raw, dir, where, problems) : undefined;
            envFiles = isDirectory(dir) ? envFilesAt(raw.envFiles, dir, `${where}.envFiles`, problems) : [];
            if (!isDirectory(dir)) {
                problems.push(
                    `${where}.path: ${shown(raw.path)} does not exist or is not a directory (relative paths are resolved from the directory holding Pulumi.yaml, ${projectRoot})`,
                );
            } else if (files !== undefined && problems.length === before) {
                try {
                    // Our own reading first: it names file and line for YAML errors, which compose's loader does not.
                    files.forEach((file) => readComposeProject(dir, file));
                    compose = readProjectModel({ dir, files, projectName: name, profiles, env: environment, envFiles });
                } catch (err) {
                    if (err instanceof ComposeError) {
                        problems.push(`${where}: ${err.message}`);
                    } else if (err instanceof ComposeModelError) {
                        problems.push(`${where}: compose refuses the project: ${err.composeMessage}; fix the compose files (or the project's environment)`);
                    } else {
                        throw err;
                    }
                }
            }
        }
        let mounts: ParityMount[] = [];
        if (compose !== undefined) {
            const create = options.createMissingBindSources ? createDirectory : undefined;
            const parity = parityMounts(dir, compose.hostPaths, fs.existsSync, create);
            parity.problems.forEach((p) => problems.push(`${where}: ${p}`));
            mounts = parity.mounts;
        }

        // compose's loader takes any number as a long-syntax `published`; the engine and nginx do not.
        for (const port of compose?.ports ?? []) {
            if (!Number.isInteger(port.published) || port.published < 1 || port.published > 65535) {
                problems.push(`${where}: service ${JSON.stringify(port.service)} publishes port ${port.published}, which is not a port number from 1 to 65535; fix the compose file`);
            }
        }
        const trustStackCa = raw.trustStackCa ?? false;
        if (typeof trustStackCa !== "boolean") {
            problems.push(`${where}.trustStackCa: ${JSON.stringify(raw.trustStackCa)} must be true or false`);
        }
        const dockerPort = raw.dockerPort === undefined ? undefined : portAt(raw.dockerPort, 0, `${where}.dockerPort`, problems);
        const routes =
            raw.routes === undefined
                ? defaultRoutes(name, compose, where, warnings, domains[0] ?? DEFAULT_DOMAINS[0])
                : routesAt(raw.routes, `${where}.routes`, domains, problems);
        if (compose !== undefined && raw.routes !== undefined) {
            for (const route of routes) {
                if (!compose.ports.some((p) => p.published === route.port)) {
                    warnings.push(
                        `${where}.routes: port ${route.port} of "${route.host}" is not a published port of its services; ` +
                            `nginx will answer 502 until something listens on it inside the daemon`,
                    );
                }
            }
        }
        if (problems.length === before && compose !== undefined) {
            projects.push({ name, dir, compose, profiles, environment, envFiles, trustStackCa: trustStackCa === true, mounts, routes, dockerPort });
        }
    });
    return projects;
}

/**
 * The project's compose files, absolute: `composeFile` or `composeFiles`
 * (relative to the project directory, each must exist), or, when neither is
 * set, the files compose itself would pick there (its default name and its
 * override file), read by the model loader.
 */
function composeFilesAt(raw: Record<string, unknown>, dir: string, where: string, problems: string[]): string[] | undefined {
    if (raw.composeFile !== undefined && raw.composeFiles !== undefined) {
        problems.push(`${where}: set composeFile or composeFiles, not both`);
        return undefined;
    }
    if (raw.composeFile !== undefined && (typeof raw.composeFile !== "string" || raw.composeFile === "")) {
        problems.push(`${where}.composeFile: must be a non-empty file name relative to the project directory, e.g. "compose.yaml"`);
        return undefined;
    }
    const listed = raw.composeFile !== undefined ? [raw.composeFile as string] : raw.composeFiles;
    if (listed === undefined) {
        const file = findComposeFile(dir);
        if (file === undefined) {
            problems.push(`${where}.path: no compose file in ${dir} (looked for ${COMPOSE_FILE_NAMES.join(", ")}); add one or set ${where}.composeFile`);
            return undefined;
        }
        const override = ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"]
            .map((n) => path.join(dir, n))
            .find((f) => fs.existsSync(f));
        return override !== undefined && path.basename(file).startsWith(path.basename(override).split(".override")[0]) ? [file, override] : [file];
    }
    const key = raw.composeFile !== undefined ? "composeFile" : "composeFiles";
    if (!Array.isArray(listed) || listed.length === 0 || listed.some((f) => typeof f !== "string" || f === "")) {
        problems.push(`${where}.${key}: must be a list of compose file names relative to the project directory, e.g. ["compose.yaml", "compose.dev.yaml"]`);
        return undefined;
    }
    const files: string[] = [];
    (listed as string[]).forEach((name, i) => {
        const file = findComposeFile(dir, name);
        if (file === undefined) {
            problems.push(`${where}.${key}${key === "composeFiles" ? `[${i}]` : ""}: ${shown(name)} does not exist in ${dir}; give a file relative to the project directory`);
        } else {
            files.push(file);
        }
    });
    return files.length === listed.length ? files : undefined;
}

/**
 * `envFiles`: files compose interpolates from instead of the project's `.env`
 * (as `docker compose --env-file a --env-file b`), relative to the project
 * directory or absolute; each must exist, as compose requires.
 */
function envFilesAt(value: unknown, dir: string, at: string, problems: string[]): string[] {
    if (value === undefined) {
        return [];
    }
    if (!Array.isArray(value) || value.length === 0 || value.some((f) => typeof f !== "string" || f === "")) {
        problems.push(`${at}: must be a list of env file names relative to the project directory, e.g. [".env.dev"]`);
        return [];
    }
    const files: string[] = [];
    (value as string[]).forEach((name, i) => {
        const file = path.resolve(dir, name);
        if (file.includes(",")) {
            problems.push(`${at}[${i}]: ${shown(name)} contains ',', which separates files in COMPOSE_ENV_FILES; rename the file`);
        } else if (!isFile(file)) {
            problems.push(`${at}[${i}]: ${shown(name)} does not exist in ${dir}; give an env file relative to the project directory`);
        } else if (!files.includes(file)) {
            files.push(file);
        }
    });
    return files;
}

/** An http(s) URL without credentials, query or fragment. */
function urlAt(value: unknown, fallback: string, at: string, problems: string[]): string {
    if (value === undefined) {
        return fallback;
    }
    let url: URL | undefined;
    try {
        url = typeof value === "string" ? new URL(value) : undefined;
    } catch {
        url = undefined;
    }
    if (url === undefined || !["http:", "https:"].includes(url.protocol) || url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
        problems.push(`${at}: ${JSON.stringify(value)} is not a registry URL; use http(s)://host[:port] without credentials, e.g. "${fallback}"`);
        return fallback;
    }
    return url.toString().replace(/\/$/, "");
}

/** A list of strings matching `pattern` (default: empty). */
function stringListAt(value: unknown, at: string, pattern: RegExp, what: string, problems: string[]): string[] {
    if (value === undefined) {
        return [];
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || !pattern.test(v))) {
        problems.push(`${at}: must be a list of ${what}`);
        return [];
    }
    return [...new Set(value as string[])];
}

/**
 * The environment compose interpolates from, besides the project's `.env`:
 * HOME (the host's, so `~` means the same directory to the runner as on the
 * host) and the project's `environment` values (strings; numbers and booleans
 * written as compose would).
 */
function environmentAt(value: unknown, at: string, problems: string[]): Record<string, string> {
    const env: Record<string, string> = { HOME: os.homedir() };
    if (value === undefined) {
        return env;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${at}: must be a mapping of variable names to values, e.g. {API_PORT: "8081"}`);
        return env;
    }
    for (const [k, v] of Object.entries(value)) {
        if (!ENV_NAME.test(k)) {
            problems.push(`${at}.${shown(k)}: not a variable name; use letters, digits and '_', not starting with a digit`);
        } else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
            env[k] = String(v);
        } else {
            problems.push(`${at}.${k}: ${JSON.stringify(v)} must be a string, number or boolean`);
        }
    }
    return env;
}

/**
 * Routes derived from published ports: a project with one published port is
 * `<project>.<domain>`; with several, each is `<service>.<project>.<domain>`
 * (`<service>-<port>.<project>.<domain>` when a service publishes several).
 * `domain` is the first of `proxy.domains`. A port whose derived host is not a
 * valid host name (compose allows service names such as `my_api`) gets no
 * route and a warning saying how to route it: the project itself is fine.
 */
export function defaultRoutes(project: string, compose: Pick<ProjectModel, "ports"> | undefined, where: string, warnings: string[], domain = DEFAULT_DOMAINS[0]): Route[] {
    if (compose === undefined) {
        return [];
    }
    if (compose.ports.length === 0) {
        warnings.push(`${where}: no service publishes a fixed TCP port, so the project gets no route; publish one or set "routes"`);
        return [];
    }
    const suffix = `${project}.${domain}`;
    const unrouted = (service: string, port: number, why: string, label: string) =>
        warnings.push(
            `${where}: service ${JSON.stringify(service)} publishes port ${port} but ${why}, so that port gets no route; ` +
                `set "routes", e.g. [{host: ${suggestLabel(label)}.${suffix}, port: ${port}}]`,
        );
    if (compose.ports.length === 1) {
        const host = suffix;
        const problem = hostNameProblem(host);
        if (problem !== undefined) {
            unrouted(compose.ports[0].service, compose.ports[0].published, `its derived host "${host}" is not a valid host name (${problem})`, "web");
            return [];
        }
        return [{ host, port: compose.ports[0].published }];
    }
    const perService = new Map<string, number>();
    compose.ports.forEach((p) => perService.set(p.service, (perService.get(p.service) ?? 0) + 1));
    const routes: Route[] = [];
    for (const p of compose.ports) {
        const label = (perService.get(p.service)! > 1 ? `${p.service}-${p.published}` : p.service).toLowerCase();
        if (dnsLabelProblem(label) !== undefined) {
            unrouted(p.service, p.published, `its name cannot be a DNS label (${DNS_LABEL_RULE})`, label);
            continue;
        }
        const host = `${label}.${suffix}`;
        const problem = hostNameProblem(host);
        if (problem !== undefined) {
            unrouted(p.service, p.published, `its derived host "${host}" is not a valid host name (${problem})`, label);
            continue;
        }
        routes.push({ host, port: p.published });
    }
    return routes;
}

/** A DNS label close to `name`, for suggestions in messages. */
function suggestLabel(name: string): string {
    const label = name
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .slice(0, 20)
        .replace(/^-+|-+$/g, "");
    return label === "" ? "web" : label;
}

function routesAt(value: unknown, at: string, domains: readonly string[], problems: string[]): Route[] {
    if (!Array.isArray(value)) {
        problems.push(`${at}: must be a list of {host, port}, e.g. [{host: a.project.localhost, port: 3000}]`);
        return [];
    }
    return value.map((item, i) => {
        const raw = objectAt(item, `${at}[${i}]`, ROUTE_KEYS, problems);
        const host = typeof raw.host === "string" ? raw.host : "";
        const problem = hostNameProblem(raw.host);
        if (raw.host === undefined) {
            problems.push(`${at}[${i}].host: is missing; set it to a lower-case host name, e.g. "a.project.localhost"`);
        } else if (problem !== undefined) {
            problems.push(
                `${at}[${i}].host: ${JSON.stringify(raw.host)} is not a valid host name (${problem}); ` +
                    `use lower-case DNS labels separated by '.', e.g. "a.project.localhost"`,
            );
        } else if (domains.length > 0 && domainOf(host, domains) === undefined) {
            problems.push(
                `${at}[${i}].host: "${host}" is not under any of ${NAMESPACE}:proxy.domains (${domains.join(", ")}), ` +
                    `and the stack's local CA must not vouch for it; use a name ending in ${domains.map((d) => `.${d}`).join(" or ")}, ` +
                    `or add its domain to ${NAMESPACE}:proxy.domains (the stack's CA will then vouch for every route under it, for every machine that trusts that CA)`,
            );
        }
        let port = 0;
        if (raw.port === undefined) {
            problems.push(`${at}[${i}].port: is missing; set it to a port published inside the project's daemon, e.g. 80`);
        } else {
            port = portAt(raw.port, 0, `${at}[${i}].port`, problems);
        }
        return { host, port };
    });
}

// Image references, after the distribution project's reference grammar
// (github.com/distribution/reference): [domain[:port]/]path[:tag][@digest],
// where path components are lower-case alphanumerics joined by '.', '_', '__'
// or dashes, and only the registry host may hold upper case.
const ALPHANUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|-+)";
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "sha256:[a-f0-9]{64}";
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** Docker refuses names longer than this (the part before tag and digest). */
const NAME_MAX = 255;
const REFERENCE_FORMAT = "write [registry[:port]/]name[:tag][@sha256:<64 hex digits>], the name in lower case";

interface ImageReference {
    readonly name: string;
    readonly tag?: string;
    readonly digest?: string;
}

function parseImageReference(ref: string): ImageReference | undefined {
    // Longer than any valid reference: refuse before the regular expression sees it.
    if (ref.length > NAME_MAX + 1 + 128 + 1 + 71) {
        return undefined;
    }
    const match = REFERENCE.exec(ref);
    if (match === null || match[1].length > NAME_MAX) {
        return undefined;
    }
    return { name: match[1], tag: match[2], digest: match[3] };
}

/** An image reference the engine accepts (tag and digest optional). */
export function isImageReference(ref: string): boolean {
    return parseImageReference(ref) !== undefined;
}

/** A valid image reference with an explicit tag other than `latest`, or a digest. */
export function isPinnedImage(ref: string): boolean {
    const parsed = parseImageReference(ref);
    return parsed !== undefined && (parsed.digest !== undefined || (parsed.tag !== undefined && parsed.tag !== "latest"));
}

/**
 * The fully qualified form of a valid reference, as the engine reads it:
 * `busybox`, `busybox:latest` and `docker.io/library/busybox:latest` are all
 * `docker.io/library/busybox:latest`.
 */
export function normaliseImage(ref: string): string {
    const parsed = parseImageReference(ref);
    if (parsed === undefined) {
        throw new Error(`${JSON.stringify(ref)} is not a valid image reference`);
    }
    // Docker's rule: the first component is a registry only if it looks like a host.
    const slash = parsed.name.indexOf("/");
    const first = slash < 0 ? "" : parsed.name.slice(0, slash);
    const hasDomain = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
    let domain = hasDomain ? first : "docker.io";
    let remainder = hasDomain ? parsed.name.slice(slash + 1) : parsed.name;
    if (domain === "index.docker.io") {
        domain = "docker.io";
    }
    if (domain === "docker.io" && !remainder.includes("/")) {
        remainder = `library/${remainder}`;
    }
    const tag = parsed.tag ?? (parsed.digest === undefined ? "latest" : undefined);
    return `${domain}/${remainder}${tag !== undefined ? `:${tag}` : ""}${parsed.digest !== undefined ? `@${parsed.digest}` : ""}`;
}

function objectAt(value: unknown, at: string, keys: string[], problems: string[]): Record<string, unknown> {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        problems.push(`${at}: must be a mapping with the keys ${keys.join(", ")}`);
        return {};
    }
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
        if (!keys.includes(k)) {
            problems.push(`${at}.${k}: unknown key; the keys here are ${keys.join(", ")}`);
        }
    }
    return record;
}

function portAt(value: unknown, fallback: number, at: string, problems: string[]): number {
    return integerAt(value, fallback, 1, 65535, at, problems, "a port number from 1 to 65535");
}

function integerAt(value: unknown, fallback: number, min: number, max: number, at: string, problems: string[], what?: string): number {
    if (value === undefined) {
        return fallback;
    }
    const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
        problems.push(`${at}: ${JSON.stringify(value)} is out of range; use ${what ?? `a whole number from ${min} to ${max}`}`);
        return fallback;
    }
    return n;
}

function booleanAt(value: unknown, fallback: boolean, at: string, problems: string[]): boolean {
    if (value === undefined) {
        return fallback;
    }
    if (value === true || value === "true") {
        return true;
    }
    if (value === false || value === "false") {
        return false;
    }
    problems.push(`${at}: ${JSON.stringify(value)} is not a boolean; use true or false`);
    return fallback;
}

function ipv4At(value: unknown, fallback: string, at: string, problems: string[]): string {
    if (value === undefined) {
        return fallback;
    }
    const ok = typeof value === "string" && /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(value) && value.split(".").every((o) => Number(o) <= 255);
    if (!ok) {
        problems.push(`${at}: ${JSON.stringify(value)} is not an IPv4 address; use 127.0.0.1 (this machine only) or, to share on your network, 0.0.0.0`);
        return fallback;
    }
    return value as string;
}

/** One of the stack's own images: a valid reference that is pinned (a tag other than `latest`, or a digest). */
function stackImageAt(value: unknown, fallback: string, at: string, problems: string[]): string {
    if (value === undefined) {
        return fallback;
    }
    if (typeof value !== "string" || !isImageReference(value)) {
        problems.push(`${at}: ${JSON.stringify(value)} is not a valid image reference; ${REFERENCE_FORMAT}, e.g. "${fallback}"`);
        return fallback;
    }
    if (!isPinnedImage(value)) {
        problems.push(`${at}: ${JSON.stringify(value)} is not a pinned image; give an explicit tag other than "latest" (or a digest), e.g. "${fallback}"`);
        return fallback;
    }
    return value;
}

/**
 * The `dind-compose:*` entries of Pulumi's flat config map (values are JSON for
 * objects and lists, plain strings otherwise), keyed without the namespace.
 */
export function rawConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(`${NAMESPACE}:`)) {
            continue;
        }
        const k = fullKey.slice(NAMESPACE.length + 1);
        try {
            raw[k] = JSON.parse(value);
        } catch {
            raw[k] = value;
        }
    }
    return raw;
}
