// Loads images the host engine has into one project's daemon, so compose
// finds them there without a registry (machines without internet, images from
// any registry, untagged names, images built on the host).
//
// It first waits (bounded) for a new daemon to answer, and fails with the
// daemon's own last words when it does not: `pulumi up` waits on this (the
// daemon container has no Docker health check). Then, for each reference, it compares
// the daemon's image ID with the host's and, when they differ, streams
// `docker save` on the host into `docker load` in the daemon container;
// afterwards the IDs must match, so a daemon never runs a
// different image than the host has under that name. IDs are the inputs, so a
// rebuilt host image shows in `pulumi preview` as an update of this resource.
//
// A dynamic resource: it runs the host's `docker` CLI against the same engine
// the Docker provider uses. Pulumi runs its provider in another process,
// which loads it from this module (components/dynamicResource.ts).

import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./dynamicResource";
import { writeProgress } from "../lib/progress";
import { containerOutput, runCommand } from "../lib/runCommand";

export interface ImagePreloadArgs {
    /** The project, for messages. */
    readonly project: pulumi.Input<string>;
    /** ID of the daemon container to load into (its local unix socket serves `docker load`). */
    readonly daemonId: pulumi.Input<string>;
    /** The daemon container's name, for messages. */
    readonly daemonName: pulumi.Input<string>;
    /** How long to wait for the daemon to answer. */
    readonly daemonSeconds: pulumi.Input<number>;
    /** Host image ID per reference, e.g. `{"busybox:1.37": "sha256:..."}`. */
    readonly images: pulumi.Input<Record<string, string>>;
    /** Where to say what it is doing, for the progress display (lib/progress.ts). */
    readonly progressFile?: pulumi.Input<string>;
}

interface Inputs {
    project: string;
    daemonId: string;
    daemonName?: string;
    daemonSeconds?: number;
    images: Record<string, string>;
    progressFile?: string;
}

/**
 * Lists the daemon's image ID for each reference given after the shell's `$0` ("" for one it does not have), one
 * per line, in order.
 */
const LIST_IDS = 'for ref; do docker image inspect --format "{{.Id}}" "$ref" 2>/dev/null || echo; done';

/** The image IDs LIST_IDS printed, per reference. */
function parseIds(refs: string[], output: string): Record<string, string> {
    const lines = output.split("\n");
    return Object.fromEntries(refs.map((ref, i) => [ref, (lines[i] ?? "").trim()]));
}

/**
 * Until the daemon answers on its local socket; fails after `daemonSeconds`, or when the container stops, with
 * the daemon's last words. The polling happens inside the container, ten times a second, with one `docker exec`
 * (an exec per poll costs the host far more CPU than the daemon it waits for): the shell's own test until the
 * socket exists, then the daemon's own answer. The same exec then lists which of `refs` the daemon has: each
 * `docker exec` is a process on the host and one in the container, on the path of every cold `pulumi up`.
 */
async function waitForDaemon(inputs: Inputs, refs: string[]): Promise<Record<string, string>> {
    const run = (file: string, args: string[], timeoutMs = 10000) => runCommand(file, args, timeoutMs);
    const docker = (...args: string[]) => run("docker", args);
    const name = inputs.daemonName || inputs.daemonId.slice(0, 12);
    const seconds = inputs.daemonSeconds ?? 120;
    const deadline = Date.now() + seconds * 1000;
    const poll = `i=0; until [ -S /var/run/docker.sock ] && docker version >/dev/null 2>&1; do i=$((i + 1)); [ "$i" -lt "$1" ] || exit 1; sleep 0.1; done; shift; ${LIST_IDS}`;
    writeProgress(inputs.progressFile, `waiting for the daemon ${name}`);
    for (;;) {
        const polls = Math.max(1, Math.ceil((deadline - Date.now()) / 100));
        try {
            return parseIds(refs, await run("docker", ["exec", inputs.daemonId, "sh", "-c", poll, "sh", String(polls), ...refs], polls * 100 + 30000));
        } catch {
            // not yet, or the container is not running
        }
        const state = (await docker("inspect", "--format", "{{.State.Status}} (exit code {{.State.ExitCode}})", inputs.daemonId).catch(() => "missing")).trim();
        const running = state.startsWith("running");
        if (!running || Date.now() >= deadline) {
            // dockerd logs to stderr, which this merges in order with its stdout.
            const logs = await containerOutput(inputs.daemonId, 20, 10000);
            const why = running ? `did not answer within ${seconds}s` : `is ${state}`;
            throw new Error(`project ${inputs.project}: its daemon ${name} ${why}. Its last output (docker logs ${name}):\n${logs}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}

/**
 * `docker save REFS | docker exec -i DAEMON docker load`, as two processes piped together (no shell); the same exec
 * then lists the daemon's IDs for REFS (LIST_IDS), which it returns.
 */
function saveInto(refs: string[], daemonId: string): Promise<Record<string, string>> {
    const { spawn } = require("child_process");
    return new Promise((resolve, reject) => {
        const save = spawn("docker", ["save", ...refs], { stdio: ["ignore", "pipe", "pipe"] });
        const loadAndList = `docker load -q >/dev/null || exit; ${LIST_IDS}`;
        const load = spawn("docker", ["exec", "-i", daemonId, "sh", "-c", loadAndList, "sh", ...refs], { stdio: ["pipe", "pipe", "pipe"] });
        let errors = "";
        let listed = "";
        save.stderr.on("data", (d: Buffer) => (errors += d));
        load.stderr.on("data", (d: Buffer) => (errors += d));
        load.stdout.on("data", (d: Buffer) => (listed += d));
        save.stdout.pipe(load.stdin);
        // Bounded: a stuck engine must not hang `pulumi up`.
        const timer = setTimeout(() => {
            save.kill();
            load.kill();
        }, 600000);
        const codes: Record<string, number | null> = {};
        const done = (which: string) => (code: number | null) => {
            codes[which] = code;
            if ("save" in codes && "load" in codes) {
                clearTimeout(timer);
                codes.save === 0 && codes.load === 0 ? resolve(parseIds(refs, listed)) : reject(new Error(`docker save exited ${codes.save}, docker load exited ${codes.load}: ${errors.trim()}`));
            }
        };
        save.on("close", done("save"));
        load.on("close", done("load"));
    });
}

async function preload(inputs: Inputs): Promise<void> {
    const refs = Object.keys(inputs.images).sort();
    const before = await waitForDaemon(inputs, refs);
    const missing = refs.filter((ref) => before[ref] !== inputs.images[ref]);
    if (missing.length === 0) {
        return;
    }
    // One archive for all of them: one `docker save`, one exec, one load.
    const what = missing.length === 1 ? `host image ${missing[0]}` : `host images ${missing.join(", ")}`;
    writeProgress(inputs.progressFile, `loading ${what} into the daemon (${missing.length} of ${refs.length} wanted)`);
    let after: Record<string, string>;
    try {
        after = await saveInto(missing, inputs.daemonId);
    } catch (err: any) {
        throw new Error(`project ${inputs.project}: loading ${what} into its daemon failed: ${err.message}`);
    }
    for (const ref of missing) {
        if (after[ref] !== inputs.images[ref]) {
            throw new Error(`project ${inputs.project}: image ${ref} in its daemon is ${after[ref] || "missing"} after loading, but the host has ${inputs.images[ref]}`);
        }
    }
}

/** Exported for the dynamic-provider host (through its stub) and for the tests. */
export const imagePreloadProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
        await preload(inputs);
        return { id: `${inputs.project}-images`, outs: inputs };
    },
    async diff(_id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.DiffResult> {
        const same = olds.daemonId === news.daemonId && JSON.stringify(olds.images) === JSON.stringify(news.images);
        return { changes: !same };
    },
    async update(_id: string, _olds: Inputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult> {
        await preload(news);
        return { outs: news };
    },
    async delete(): Promise<void> {
        // The images live in the daemon's data volume, which has its own lifecycle.
    },
};

export class ImagePreload extends DynamicResource {
    constructor(name: string, args: ImagePreloadArgs, opts?: pulumi.CustomResourceOptions) {
        super({ file: __filename, exported: "imagePreloadProvider" }, "ImagePreload", name, { ...args }, opts);
    }
}
