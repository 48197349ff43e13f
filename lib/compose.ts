// Reading a project's compose file without running compose: which file it is,
// whether it is valid YAML (with file and line when it is not), which ports its
// services publish (for default routes), and a digest of the normalised model
// that changes exactly when the project's compose definition changes.
//
// `${VAR}` is left for compose to interpolate at run time; only a default
// (`${VAR:-3000}`) is used to guess a published port for routing.

import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** File names compose itself looks for, in its own order of preference. */
export const COMPOSE_FILE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/** A compose file that cannot be used; the message names the file and, when known, the line. */
export class ComposeError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ComposeError";
    }
}

/** One TCP port a service publishes on its daemon. */
export interface PublishedPort {
    readonly service: string;
    /** The port on the daemon's interfaces (what nginx connects to). */
    readonly published: number;
    /** The port inside the service's container. */
    readonly target: number;
}

/** What the program needs to know about one project's compose definition. */
export interface ComposeProject {
    /** Absolute path of the compose file. */
    readonly file: string;
    /** Service names, sorted. */
    readonly services: string[];
    /** TCP ports published with a fixed (or defaulted) host port, in file order. */
    readonly ports: PublishedPort[];
    /** sha256 of the normalised model plus the Dockerfiles it builds from. */
    readonly digest: string;
}

/** The compose file of `dir`: `explicit` (relative to dir) when given, else the first name compose would pick. */
export function findComposeFile(dir: string, explicit?: string): string | undefined {
    const candidates = explicit !== undefined ? [explicit] : COMPOSE_FILE_NAMES;
    for (const name of candidates) {
        const file = path.resolve(dir, name);
        if (fs.existsSync(file) && fs.statSync(file).isFile()) {
            return file;
        }
    }
    return undefined;
}

/** Parses compose YAML text; `file` is only used in messages. */
export function parseComposeText(text: string, file: string): Record<string, unknown> {
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
        const err = doc.errors[0];
        const where = err.linePos ? `${file}:${err.linePos[0].line}:${err.linePos[0].col}` : file;
        const firstLine = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        throw new ComposeError(`${where}: not valid YAML: ${firstLine}`);
    }
    const model = doc.toJS() as unknown;
    if (!isRecord(model)) {
        throw new ComposeError(`${file}: expected a mapping with a "services" key at the top level`);
    }
    if (!isRecord(model.services) || Object.keys(model.services).length === 0) {
        throw new ComposeError(`${file}: "services" must be a mapping with at least one service`);
    }
    for (const [name, service] of Object.entries(model.services)) {
        if (service !== null && !isRecord(service)) {
            throw new ComposeError(`${file}: service "${name}" must be a mapping`);
        }
    }
    return model;
}

/** Reads, validates and summarises the compose file `file` of the project in `dir`. */
export function readComposeProject(dir: string, file: string): ComposeProject {
    const text = fs.readFileSync(file, "utf8");
    const model = parseComposeText(text, file);
    const services = model.services as Record<string, Record<string, unknown> | null>;
    const ports: PublishedPort[] = [];
    for (const [name, service] of Object.entries(services)) {
        ports.push(...servicePorts(name, service ?? {}, file));
    }
    return {
        file,
        services: Object.keys(services).sort(),
        ports,
        digest: composeDigest(model, buildFiles(dir, services)),
    };
}

/** The TCP ports one service publishes with a known host port. */
export function servicePorts(service: string, definition: Record<string, unknown>, file = "compose file"): PublishedPort[] {
    const entries = definition.ports;
    if (entries === undefined || entries === null) {
        return [];
    }
    if (!Array.isArray(entries)) {
        throw new ComposeError(`${file}: services.${service}.ports must be a list`);
    }
    const result: PublishedPort[] = [];
    for (const entry of entries) {
        const port = typeof entry === "string" || typeof entry === "number" ? shortPort(String(entry)) : longPort(entry);
        if (port !== undefined) {
            result.push({ service, ...port });
        }
    }
    return result;
}

/** Short syntax: `[[ip:]published:]target[/protocol]`; ranges and UDP are not routable. */
function shortPort(spec: string): { published: number; target: number } | undefined {
    const [address, protocol = "tcp"] = resolveDefaults(spec).split("/");
    if (protocol !== "tcp") {
        return undefined;
    }
    // An IPv6 host IP is bracketed; drop it before splitting on ':'.
    const parts = address.replace(/^\[[^\]]*\]:/, "").split(":");
    if (parts.length === 1) {
        return undefined; // container port only: the daemon picks a random host port
    }
    const published = toPort(parts[parts.length - 2]);
    const target = toPort(parts[parts.length - 1]);
    return published !== undefined && target !== undefined ? { published, target } : undefined;
}

/** Long syntax: `{target, published, protocol, host_ip}`. */
function longPort(entry: unknown): { published: number; target: number } | undefined {
    if (!isRecord(entry) || (entry.protocol !== undefined && entry.protocol !== "tcp")) {
        return undefined;
    }
    const published = entry.published === undefined ? undefined : toPort(resolveDefaults(String(entry.published)));
    const target = toPort(resolveDefaults(String(entry.target)));
    return published !== undefined && target !== undefined ? { published, target } : undefined;
}

/** `${VAR:-3000}` and `${VAR-3000}` become `3000`; any other variable stays and makes the port unknown. */
function resolveDefaults(value: string): string {
    return value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, "$1");
}

function toPort(value: string | undefined): number | undefined {
    if (value === undefined || !/^\d+$/.test(value)) {
        return undefined;
    }
    const port = Number(value);
    return port >= 1 && port <= 65535 ? port : undefined;
}

/** Dockerfiles the project builds from (absolute paths, sorted); a missing one is left for compose to report. */
function buildFiles(dir: string, services: Record<string, Record<string, unknown> | null>): string[] {
    const files = new Set<string>();
    for (const service of Object.values(services)) {
        const build = service?.build;
        if (build === undefined || build === null) {
            continue;
        }
        const context = typeof build === "string" ? build : isRecord(build) && typeof build.context === "string" ? build.context : ".";
        if (/^[a-z]+:\/\//.test(context) || context.includes("$")) {
            continue; // remote or interpolated context: compose resolves it
        }
        const dockerfile = isRecord(build) && typeof build.dockerfile === "string" ? build.dockerfile : "Dockerfile";
        const file = path.resolve(dir, context, dockerfile);
        if (fs.existsSync(file) && fs.statSync(file).isFile()) {
            files.add(file);
        }
    }
    return [...files].sort();
}

/** sha256 over the canonical JSON of the model and the contents of its Dockerfiles. */
export function composeDigest(model: unknown, dockerfiles: string[] = []): string {
    const hash = createHash("sha256");
    hash.update(canonicalJson(model));
    for (const file of dockerfiles) {
        hash.update(`\0${path.basename(file)}\0`);
        hash.update(fs.readFileSync(file));
    }
    return hash.digest("hex");
}

/** JSON with object keys sorted at every level, so key order and formatting never change the digest. */
export function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) {
        return `[${value.map(canonicalJson).join(",")}]`;
    }
    if (isRecord(value)) {
        const keys = Object.keys(value).sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
    }
    return JSON.stringify(value ?? null);
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
