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
export interface ComposeFileSummary {
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

/**
 * How far a file's aliases may expand it, in characters of scalar text plus one
 * per node. Aliases share one JS object, but the digest and compose itself
 * expand them, so a small file of nested aliases ("billion laughs") would
 * exhaust memory there. Real compose files stay far below this.
 */
export const MAX_EXPANDED_SIZE = 10_000_000;

/** yaml's own per-anchor alias budget: generous for real files, our expansion check bounds the rest. */
const MAX_ALIAS_COUNT = 10_000;

/** Compose's own rule for service names (compose-spec schema). */
const SERVICE_NAME = /^[a-zA-Z0-9._-]+$/;

/** A parsed compose file and where its nodes are, for messages. */
interface ParsedCompose {
    readonly model: Record<string, unknown>;
    /** `file:line:col` of the key `name` under `services`, or `file` when it has no place of its own (merged in). */
    readonly serviceAt: (name: string) => string;
}

/** Parses compose YAML text; `file` is only used in messages. */
export function parseComposeText(text: string, file: string): Record<string, unknown> {
    return parseCompose(text, file).model;
}

function parseCompose(text: string, file: string): ParsedCompose {
    try {
        return parseComposeUnchecked(text, file);
    } catch (err) {
        if (err instanceof ComposeError) {
            throw err;
        }
        // Whatever else the YAML library throws (it should not, after the checks
        // above) is still the file's fault, not a crash of the program.
        const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
        throw new ComposeError(`${file}: not valid YAML: ${message}; fix the compose file`);
    }
}

function parseComposeUnchecked(text: string, file: string): ParsedCompose {
    const lineCounter = new YAML.LineCounter();
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true, lineCounter });
    const at = (node: YAML.Node | null | undefined): string => {
        if (!node?.range) {
            return file;
        }
        const pos = lineCounter.linePos(node.range[0]);
        return `${file}:${pos.line}:${pos.col}`;
    };
    if (doc.errors.length > 0) {
        const err = doc.errors[0];
        const where = err.linePos ? `${file}:${err.linePos[0].line}:${err.linePos[0].col}` : file;
        const firstLine = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        const what =
            err.code === "MULTIPLE_DOCS"
                ? "a second YAML document starts here; compose reads one document per file: remove the '---' and what follows, or move it into another compose file"
                : err.code === "RESOURCE_EXHAUSTION"
                  ? "nested too deeply to read; flatten the structure"
                  : `${firstLine}; fix the compose file`;
        throw new ComposeError(`${where}: not valid YAML: ${what}`);
    }
    checkAliases(doc, at);
    const model = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    if (!isRecord(model)) {
        throw new ComposeError(`${file}: expected a mapping with a "services" key at the top level; see https://docs.docker.com/reference/compose-file/`);
    }
    if (!isRecord(model.services) || Object.keys(model.services).length === 0) {
        throw new ComposeError(`${file}: "services" must be a mapping with at least one service; add one`);
    }
    const servicesNode = doc.get("services", true);
    const serviceAt = (name: string): string => {
        if (YAML.isMap(servicesNode)) {
            const pair = servicesNode.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === name);
            if (pair && YAML.isNode(pair.key)) {
                return at(pair.key);
            }
        }
        return file;
    };
    for (const [name, service] of Object.entries(model.services)) {
        if (!SERVICE_NAME.test(name)) {
            throw new ComposeError(
                `${serviceAt(name)}: service name ${JSON.stringify(name)} is not valid (compose allows only letters, digits, '.', '_' and '-'); rename the service`,
            );
        }
        if (service !== null && !isRecord(service)) {
            throw new ComposeError(`${serviceAt(name)}: service "${name}" must be a mapping; write its settings under it, e.g. image: busybox:1.37`);
        }
    }
    return { model, serviceAt };
}

/**
 * Refuses, with the alias's line, what would make converting the document
 * throw or explode: an alias with no anchor before it, an alias inside the
 * node it names (an endless structure), a merge key whose source is not a
 * mapping, and aliases that expand the file beyond MAX_EXPANDED_SIZE.
 */
function checkAliases(doc: YAML.Document, at: (node: YAML.Node | null | undefined) => string): void {
    const anchors = new Map<string, YAML.Node>();
    const targets = new Map<YAML.Alias, YAML.Node>();
    YAML.visit(doc, {
        Node(_key, node, path) {
            if (YAML.isAlias(node)) {
                const target = anchors.get(node.source);
                if (target === undefined) {
                    throw new ComposeError(
                        `${at(node)}: alias *${node.source} refers to no anchor &${node.source} defined before it; define the anchor first or fix the alias's name`,
                    );
                }
                if (path.includes(target)) {
                    throw new ComposeError(
                        `${at(node)}: alias *${node.source} is inside the node &${node.source} it refers to, which would make an endless structure; refer to another node`,
                    );
                }
                targets.set(node, target);
            } else if (node.anchor !== undefined) {
                anchors.set(node.anchor, node);
            }
        },
        Pair(_key, pair) {
            if (!isMergeKey(pair.key)) {
                return;
            }
            const sources = YAML.isSeq(pair.value) ? pair.value.items : [pair.value];
            for (const source of sources) {
                const resolved = YAML.isAlias(source) ? anchors.get(source.source) : source;
                if (resolved !== undefined && !YAML.isMap(resolved)) {
                    throw new ComposeError(`${at(source as YAML.Node)}: a merge key (<<) takes mappings or aliases of mappings only; merge a mapping here`);
                }
            }
        },
    });

    // Expanded size of every node, each computed once: linear in the file, however the aliases multiply.
    const sizes = new Map<unknown, number>();
    const sizeOf = (node: unknown): number => {
        const known = sizes.get(node);
        if (known !== undefined) {
            return known;
        }
        let size = 1;
        if (YAML.isAlias(node)) {
            size = sizeOf(targets.get(node));
        } else if (YAML.isScalar(node)) {
            size += String(node.value).length;
        } else if (YAML.isPair(node)) {
            size = sizeOf(node.key) + sizeOf(node.value);
        } else if (YAML.isCollection(node)) {
            for (const item of node.items) {
                size += sizeOf(item);
            }
        }
        sizes.set(node, size);
        return size;
    };
    const total = sizeOf(doc.contents);
    if (total > MAX_EXPANDED_SIZE) {
        // Name the alias that stands for the most, usually the top of the bomb.
        let worst: YAML.Alias | undefined;
        for (const alias of targets.keys()) {
            if (worst === undefined || sizeOf(alias) > sizeOf(worst)) {
                worst = alias;
            }
        }
        throw new ComposeError(
            `${at(worst)}: aliases expand this file to about ${total.toExponential(1)} characters, more than the ${MAX_EXPANDED_SIZE} allowed ` +
                `(*${worst?.source} here alone stands for ${sizeOf(worst).toExponential(1)}): an alias bomb ("billion laughs"), not a compose file; ` +
                `use fewer or less deeply nested aliases`,
        );
    }
}

/** `<<` written plain (a quoted "<<" is an ordinary key); with `merge: true` yaml gives it a symbol value. */
function isMergeKey(key: unknown): boolean {
    if (!YAML.isScalar(key)) {
        return false;
    }
    const value = key.value;
    return typeof value === "symbol" ? value.description === "<<" : value === "<<" && (!key.type || key.type === "PLAIN");
}

/** Reads, validates and summarises the compose file `file` of the project in `dir`. */
export function readComposeProject(dir: string, file: string): ComposeFileSummary {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new ComposeError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); make it a readable file`);
    }
    const { model, serviceAt } = parseCompose(text, file);
    const services = model.services as Record<string, Record<string, unknown> | null>;
    const ports: PublishedPort[] = [];
    for (const [name, service] of Object.entries(services)) {
        ports.push(...servicePorts(name, service ?? {}, serviceAt(name)));
    }
    return {
        file,
        services: Object.keys(services).sort(),
        ports,
        digest: composeDigest(model, buildFiles(dir, services)),
    };
}

/** The TCP ports one service publishes with a known host port. */
export function servicePorts(service: string, definition: Record<string, unknown>, where = "compose file"): PublishedPort[] {
    const entries = definition.ports;
    if (entries === undefined || entries === null) {
        return [];
    }
    if (!Array.isArray(entries)) {
        throw new ComposeError(`${where}: services.${service}.ports must be a list, e.g. ["8080:80"]; fix the compose file`);
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

/** Short syntax: `[[ip:]published:]target[/protocol]` (protocol in any case, as compose reads it); ranges and UDP are not routable. */
function shortPort(spec: string): { published: number; target: number } | undefined {
    const [address, protocol = "tcp"] = resolveDefaults(spec).split("/");
    if (protocol.toLowerCase() !== "tcp") {
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
    if (!isRecord(entry) || (entry.protocol !== undefined && String(entry.protocol).toLowerCase() !== "tcp")) {
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
