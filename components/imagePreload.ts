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
 * Until the daemon answers on its local socket; fails after `daemonSeconds`, or when the container stops, with
 * the daemon's last words. The polling happens inside the container, ten times a second, with one `docker exec`
 * (an exec per poll costs the host far more CPU than the daemon it waits for): the shell's own test until the
 * socket exists, then the daemon's own answer.
 */
async function waitForDaemon(inputs: Inputs): Promise<void> {
    const run = (file: string, args: string[], timeoutMs = 10000) => runCommand(file, args, timeoutMs);
    const docker = (...args: string[]) => run("docker", args);
    const name = inputs.daemonName || inputs.daemonId.slice(0, 12);
    const seconds = inputs.daemonSeconds ?? 120;
    const deadline = Date.now() + seconds * 1000;
    const poll = 'i=0; until [ -S /var/run/docker.sock ] && docker version >/dev/null 2>&1; do i=$((i + 1)); [ "$i" -lt "$1" ] || exit 1; sleep 0.1; done';
    writeProgress(inputs.progressFile, `waiting for the daemon ${name}`);
    for (;;) {
        const polls = Math.max(1, Math.ceil((deadline - Date.now()) / 100));
        try {
            await run("docker", ["exec", inputs.daemonId, "sh", "-c", poll, "sh", String(polls)], polls * 100 + 30000);
            return;
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

/** `docker save REF | docker exec -i DAEMON docker load`, as two processes piped together (no shell). */
function saveInto(ref: string, daemonId: string): Promise<void> {
    const { spawn } = require("child_process");
    return new Promise((resolve, reject) => {
        const save = spawn("docker", ["save", ref], { stdio: ["ignore", "pipe", "pipe"] });
        const load = spawn("docker", ["exec", "-i", daemonId, "docker", "load", "-q"], { stdio: ["pipe", "ignore", "pipe"] });
        let errors = "";
        save.stderr.on("data", (d: Buffer) => (errors += d));
        load.stderr.on("data", (d: Buffer) => (errors += d));
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
                codes.save === 0 && codes.load === 0 ? resolve() : reject(new Error(`docker save exited ${codes.save}, docker load exited ${codes.load}: ${errors.trim()}`));
            }
        };
        save.on("close", done("save"));
        load.on("close", done("load"));
    });
}

/** The daemon's image ID for each reference ("" for one it does not have), from one `docker exec`. */
async function idsInDaemon(daemonId: string, refs: string[]): Promise<Record<string, string>> {
    const list = 'for ref; do docker image inspect --format "{{.Id}}" "$ref" 2>/dev/null || echo; done';
    const lines = (await runCommand("docker", ["exec", daemonId, "sh", "-c", list, "sh", ...refs], 60000)).split("\n");
    return Object.fromEntries(refs.map((ref, i) => [ref, (lines[i] ?? "").trim()]));
}

async function preload(inputs: Inputs): Promise<void> {
    await waitForDaemon(inputs);
    const refs = Object.keys(inputs.images).sort();
    if (refs.length === 0) {
        return;
    }
    const before = await idsInDaemon(inputs.daemonId, refs);
    const missing = refs.filter((ref) => before[ref] !== inputs.images[ref]);
    for (const ref of missing) {
        writeProgress(inputs.progressFile, `loading host image ${ref} into the daemon (${refs.indexOf(ref) + 1} of ${refs.length})`);
        try {
            await saveInto(ref, inputs.daemonId);
        } catch (err: any) {
            throw new Error(`project ${inputs.project}: loading host image ${ref} into its daemon failed: ${err.message}`);
        }
    }
    if (missing.length > 0) {
        const after = await idsInDaemon(inputs.daemonId, missing);
        for (const ref of missing) {
            if (after[ref] !== inputs.images[ref]) {
                throw new Error(`project ${inputs.project}: image ${ref} in its daemon is ${after[ref] || "missing"} after loading, but the host has ${inputs.images[ref]}`);
            }
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
