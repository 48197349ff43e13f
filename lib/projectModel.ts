// What the program needs to know about one project, read through compose's
// own normaliser (lib/composeModel.ts: compose-go, as the runner's compose):
// its services and published ports (routes), every host path it uses (path
// parity), the images it names or builds FROM (loaded from the host into its
// daemon), and a digest of everything compose reads for it, so that editing a
// compose file, `.env`, an env_file, a config or secret file, a Dockerfile or
// anything in a build context shows in `pulumi preview` as a change to that
// project's runner, and only that.

import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { contextFingerprint } from "./buildContext";
import { canonicalJson } from "./compose";
import { ComposeModel, dockerfiles, hostPaths, images, loadComposeModel, publishedPorts, services } from "./composeModel";
import { baseImages, contextSources } from "./dockerfile";
import { HostPathUse } from "./pathParity";

export interface PublishedPort {
    readonly service: string;
    /** The port on the daemon's interfaces (what nginx connects to). */
    readonly published: number;
    /** The port inside the service's container. */
    readonly target: number;
}

export interface ProjectModel {
    /** The compose files, absolute, in order (`COMPOSE_FILE` for the runner). */
    readonly files: string[];
    /** Enabled service names, sorted (profiles applied). */
    readonly services: string[];
    /** TCP ports published on a fixed host port. */
    readonly ports: PublishedPort[];
    /** Every host path the model uses, with whether containers may write there. */
    readonly hostPaths: HostPathUse[];
    /** Images the project pulls (explicit `image:` of services compose does not build) or builds FROM. */
    readonly images: string[];
    /** sha256 over the normalised model and the contents of everything compose reads. */
    readonly digest: string;
}

export interface ProjectModelRequest {
    /** The project directory (compose's working directory). */
    readonly dir: string;
    /** Compose files, absolute. */
    readonly files: readonly string[];
    /** Compose project name (the runner uses the same). */
    readonly projectName: string;
    readonly profiles: readonly string[];
    /** The environment compose interpolates from (besides `.env`), as the runner gets it. */
    readonly env: Readonly<Record<string, string>>;
    /** Env files replacing `.env` (compose's `--env-file`), absolute. */
    readonly envFiles?: readonly string[];
}

export function readProjectModel(request: ProjectModelRequest): ProjectModel {
    const model = loadComposeModel({
        projectDirectory: request.dir,
        cwd: request.dir,
        files: request.files,
        projectName: request.projectName,
        profiles: request.profiles,
        env: request.env,
        envFiles: request.envFiles,
    });
    return summarise(model);
}

/** The summary of a loaded model (pure but for reading the files the model names). */
export function summarise(model: ComposeModel): ProjectModel {
    const paths = hostPaths(model);
    const files = dockerfiles(model);
    const fromImages = files.flatMap((file) => (isFile(file) ? baseImages(fs.readFileSync(file, "utf8")) : []));
    const pulled = images(model)
        .filter((i) => !i.built)
        .map((i) => i.image);
    return {
        files: [...model.composeFiles],
        services: services(model),
        ports: publishedPorts(model).map(({ service, published, target }) => ({ service, published, target })),
        hostPaths: paths.map((p) => ({
            path: p.path,
            readOnly: !p.writable,
            use: p.owner !== undefined ? `${p.kind} of ${p.owner}` : p.kind,
            bindSource: p.kind === "bind",
        })),
        images: [...new Set([...pulled, ...fromImages])].sort(),
        digest: digestOf(model),
    };
}

/**
 * The model, the contents of every file compose read (compose files, `.env`,
 * env_files...), of Dockerfiles and config/secret files, and a fingerprint of
 * each build context as the build would send it, narrowed to what the
 * Dockerfile's COPY and ADD read when that can be told. Bind-mount sources are left
 * out on purpose: they are live, and a change in them needs no redeploy.
 */
function digestOf(model: ComposeModel): string {
    const hash = createHash("sha256");
    hash.update(canonicalJson(model.project));
    const paths = hostPaths(model);
    const read = new Set<string>([...model.files, ...paths.filter((p) => ["dockerfile", "config", "secret", "file"].includes(p.kind)).map((p) => p.path)]);
    for (const file of [...read].sort()) {
        hash.update(`\0file\0${file}\0`);
        if (isFile(file)) {
            hash.update(fs.readFileSync(file));
        } else if (isDirectory(file)) {
            hash.update(contextFingerprint(file));
        }
    }
    for (const service of services(model)) {
        const build = model.project.services[service].build;
        if (build !== undefined && path.isAbsolute(build.context) && isDirectory(build.context)) {
            const dockerfile = build.dockerfile !== undefined ? path.resolve(build.context, build.dockerfile) : undefined;
            const text = build.dockerfile_inline ?? readIfFile(dockerfile ?? path.join(build.context, "Dockerfile"));
            const sources = text !== undefined ? contextSources(text) : undefined;
            hash.update(`\0context\0${service}\0${contextFingerprint(build.context, dockerfile, sources)}`);
        }
    }
    return hash.digest("hex");
}

function readIfFile(p: string): string | undefined {
    return isFile(p) ? fs.readFileSync(p, "utf8") : undefined;
}

function isFile(p: string): boolean {
    try {
        return fs.statSync(p).isFile();
    } catch {
        return false;
    }
}

function isDirectory(p: string): boolean {
    try {
        return fs.statSync(p).isDirectory();
    } catch {
        return false;
    }
}
