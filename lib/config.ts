// The stack configuration: every key a developer may set in Pulumi.<stack>.yaml,
// its default, and its validation. Validation is complete before any resource
// is created and reports every problem at once, each naming the stack key, the
// project, what is wrong and how to fix it.

import * as fs from "fs";
import * as path from "path";
import { ComposeError, ComposeProject, findComposeFile, readComposeProject, COMPOSE_FILE_NAMES } from "./compose";

/** The config namespace: keys are written `dind-compose:<key>` in the stack file. */
export const NAMESPACE = "dind-compose";

/** Pinned official images used when the stack does not choose its own. */
export const DEFAULT_IMAGES: ImageSettings = {
    daemon: "docker:26.1.5-dind",
    runner: "docker:26.1.5-cli",
    proxy: "nginx:1.26.3",
    registry: "registry:2.8.3",
};

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
    /** What was read from the project's compose file. */
    readonly compose: ComposeProject;
    /** Routes through the proxy, configured or derived from published ports. */
    readonly routes: Route[];
    /** Host port (on 127.0.0.1) publishing the daemon's TLS socket, if any. */
    readonly dockerPort?: number;
}

export interface ProxySettings {
    readonly bindAddress: string;
    readonly httpPort: number;
    readonly httpsPort: number;
}

export interface ImageSettings {
    readonly daemon: string;
    readonly runner: string;
    readonly proxy: string;
    readonly registry: string;
}

export interface MirrorSettings {
    readonly enabled: boolean;
    /** Host port (always on 127.0.0.1) through which the host engine seeds the mirror. */
    readonly port: number;
    /** Host images pushed into the mirror so inner daemons can pull them offline. */
    readonly seed: string[];
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

const TOP_LEVEL_KEYS = ["projects", "proxy", "images", "mirror", "timeouts"];
const PROJECT_KEYS = ["name", "path", "composeFile", "routes", "dockerPort"];
const ROUTE_KEYS = ["host", "port"];
const PROXY_KEYS = ["bindAddress", "httpPort", "httpsPort"];
const IMAGE_KEYS = Object.keys(DEFAULT_IMAGES);
const MIRROR_KEYS = ["enabled", "port", "seed"];
const TIMEOUT_KEYS = ["daemonSeconds", "composeSeconds"];

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Validates the raw values of the `dind-compose:*` keys (already JSON-decoded,
 * keyed without the namespace) and returns complete settings, or throws a
 * ConfigError listing every problem. `projectRoot` is the directory holding
 * Pulumi.yaml; relative project paths resolve from there.
 */
export function validateSettings(raw: Record<string, unknown>, stack: string, projectRoot: string): Settings {
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
    };

    const imagesRaw = objectAt(raw.images, key("images"), IMAGE_KEYS, problems);
    const images = Object.fromEntries(
        IMAGE_KEYS.map((name) => [
            name,
            imageAt(imagesRaw[name], DEFAULT_IMAGES[name as keyof ImageSettings], `${key("images")}.${name}`, problems),
        ]),
    ) as unknown as ImageSettings;

    const mirrorRaw = objectAt(raw.mirror, key("mirror"), MIRROR_KEYS, problems);
    const seedRaw = mirrorRaw.seed ?? [];
    const seed: string[] = [];
    if (!Array.isArray(seedRaw)) {
        problems.push(`${key("mirror")}.seed: must be a list of image references such as ["busybox:1.37"]`);
    } else {
        seedRaw.forEach((ref, i) => seed.push(imageAt(ref, "", `${key("mirror")}.seed[${i}]`, problems)));
    }
    const mirror: MirrorSettings = {
        enabled: booleanAt(mirrorRaw.enabled, true, `${key("mirror")}.enabled`, problems),
        port: portAt(mirrorRaw.port, 5000, `${key("mirror")}.port`, problems),
        seed,
    };
    if (!mirror.enabled && seed.length > 0) {
        problems.push(`${key("mirror")}.seed: images are listed but the mirror is disabled; set ${key("mirror")}.enabled to true or remove the seed list`);
    }

    const timeoutsRaw = objectAt(raw.timeouts, key("timeouts"), TIMEOUT_KEYS, problems);
    const timeouts: TimeoutSettings = {
        daemonSeconds: integerAt(timeoutsRaw.daemonSeconds, 120, 5, 3600, `${key("timeouts")}.daemonSeconds`, problems),
        composeSeconds: integerAt(timeoutsRaw.composeSeconds, 600, 10, 7200, `${key("timeouts")}.composeSeconds`, problems),
    };

    const projects = projectsAt(raw.projects, projectRoot, problems, warnings);

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
    if (mirror.enabled) {
        claimPort(mirror.port, `${key("mirror")}.port`);
    }
    projects.forEach((p) => p.dockerPort !== undefined && claimPort(p.dockerPort, `${key("projects")} (project "${p.name}").dockerPort`));

    if (problems.length > 0) {
        throw new ConfigError(stack, problems);
    }
    return { stack, projects, proxy, images, mirror, timeouts, warnings };
}

function projectsAt(value: unknown, projectRoot: string, problems: string[], warnings: string[]): ProjectSettings[] {
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
        const where = name !== "" ? `${at} (project "${name}")` : at;
        if (!DNS_LABEL.test(name)) {
            problems.push(
                `${at}.name: ${raw.name === undefined ? "is missing" : `${JSON.stringify(raw.name)} is not a DNS label`}; ` +
                    `use 1-63 lower-case letters, digits and '-', e.g. "project-a"`,
            );
        } else if (names.has(name)) {
            problems.push(`${at}.name: "${name}" is already the name of ${base}[${names.get(name)}]; project names must be unique`);
        } else {
            names.set(name, i);
        }

        let compose: ComposeProject | undefined;
        let dir = "";
        if (typeof raw.path !== "string" || raw.path === "") {
            problems.push(`${where}.path: is missing; set it to the directory holding the project's compose file`);
        } else {
            dir = path.resolve(projectRoot, raw.path);
            if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
                problems.push(
                    `${where}.path: ${raw.path} does not exist or is not a directory (relative paths are resolved from the directory holding Pulumi.yaml, ${projectRoot})`,
                );
            } else if (raw.composeFile !== undefined && typeof raw.composeFile !== "string") {
                problems.push(`${where}.composeFile: must be a file name relative to ${raw.path}`);
            } else {
                const file = findComposeFile(dir, raw.composeFile as string | undefined);
                if (file === undefined) {
                    const looked = raw.composeFile !== undefined ? raw.composeFile : COMPOSE_FILE_NAMES.join(", ");
                    problems.push(`${where}.path: no compose file in ${raw.path} (looked for ${looked}); add one or set ${where}.composeFile`);
                } else {
                    try {
                        compose = readComposeProject(dir, file);
                    } catch (err) {
                        if (!(err instanceof ComposeError)) {
                            throw err;
                        }
                        problems.push(`${where}: ${err.message}; fix the compose file`);
                    }
                }
            }
        }

        const dockerPort = raw.dockerPort === undefined ? undefined : portAt(raw.dockerPort, 0, `${where}.dockerPort`, problems);
        const routes = raw.routes === undefined ? defaultRoutes(name, compose, where, warnings) : routesAt(raw.routes, `${where}.routes`, problems);
        if (compose !== undefined && raw.routes !== undefined) {
            for (const route of routes) {
                if (!compose.ports.some((p) => p.published === route.port)) {
                    warnings.push(
                        `${where}.routes: port ${route.port} of "${route.host}" is not a published port in ${path.basename(compose.file)}; ` +
                            `nginx will answer 502 until something listens on it inside the daemon`,
                    );
                }
            }
        }
        if (problems.length === before && compose !== undefined) {
            projects.push({ name, dir, compose, routes, dockerPort });
        }
    });
    return projects;
}

/**
 * Routes derived from published ports: a project with one published port is
 * `<project>.localhost`; with several, each is `<service>.<project>.localhost`
 * (`<service>-<port>.<project>.localhost` when a service publishes several).
 */
export function defaultRoutes(project: string, compose: ComposeProject | undefined, where: string, warnings: string[]): Route[] {
    if (compose === undefined) {
        return [];
    }
    if (compose.ports.length === 0) {
        warnings.push(`${where}: no service publishes a fixed TCP port, so the project gets no route; publish one or set "routes"`);
        return [];
    }
    if (compose.ports.length === 1) {
        return [{ host: `${project}.localhost`, port: compose.ports[0].published }];
    }
    const perService = new Map<string, number>();
    compose.ports.forEach((p) => perService.set(p.service, (perService.get(p.service) ?? 0) + 1));
    return compose.ports.map((p) => ({
        host: `${perService.get(p.service)! > 1 ? `${p.service}-${p.published}` : p.service}.${project}.localhost`.toLowerCase(),
        port: p.published,
    }));
}

function routesAt(value: unknown, at: string, problems: string[]): Route[] {
    if (!Array.isArray(value)) {
        problems.push(`${at}: must be a list of {host, port}, e.g. [{host: a.project.localhost, port: 3000}]`);
        return [];
    }
    return value.map((item, i) => {
        const raw = objectAt(item, `${at}[${i}]`, ROUTE_KEYS, problems);
        const host = typeof raw.host === "string" ? raw.host : "";
        if (!isHostName(host)) {
            problems.push(
                `${at}[${i}].host: ${raw.host === undefined ? "is missing" : `${JSON.stringify(raw.host)} is not a valid host name`}; ` +
                    `use lower-case DNS labels separated by '.', e.g. "a.project.localhost"`,
            );
        }
        return { host, port: portAt(raw.port, 0, `${at}[${i}].port`, problems) };
    });
}

/** Lower-case DNS name: labels of [a-z0-9-], not starting or ending with '-'. */
export function isHostName(host: string): boolean {
    return host.length > 0 && host.length <= 253 && host.split(".").every((label) => DNS_LABEL.test(label));
}

/** An image reference with an explicit tag (not `latest`) or digest. */
export function isPinnedImage(ref: string): boolean {
    if (/\s/.test(ref) || ref === "") {
        return false;
    }
    if (ref.includes("@sha256:")) {
        return true;
    }
    const lastSlash = ref.lastIndexOf("/");
    const colon = ref.indexOf(":", lastSlash + 1);
    return colon > lastSlash + 1 && colon < ref.length - 1 && ref.slice(colon + 1) !== "latest";
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

function imageAt(value: unknown, fallback: string, at: string, problems: string[]): string {
    if (value === undefined && fallback !== "") {
        return fallback;
    }
    if (typeof value !== "string" || !isPinnedImage(value)) {
        problems.push(
            `${at}: ${JSON.stringify(value)} is not a pinned image; give an explicit tag other than "latest" (or a digest), e.g. "${fallback || "busybox:1.37"}"`,
        );
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
