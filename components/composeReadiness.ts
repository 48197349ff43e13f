// Makes `pulumi up` follow a project's runner until compose is up: it
// succeeds when the runner reports "ok" and fails as soon as the runner
// reports a failure, with the project's name, the reason (which service,
// which exit code) and the tail of the runner's output in the error. (The
// Docker provider's own health wait can only time out, saying nothing about
// why.)
//
// It is created once the host's images are in the project's daemon (it
// depends on the image preload), and its first act is to tell the runner so
// (RUNNER_IMAGES_LOADED_FILE): the runner container is created alongside the
// daemon and waits for that before its first compose up.
//
// Only a *fresh* result counts. A runner that failed stays failed and does
// not retry by itself (that would re-run one-shot services), so when this
// check starts and finds a failure it has already reported (the runner was
// not replaced because nothing changed since the last `pulumi up`), it asks
// the runner for a new attempt (RUNNER_RETRY_SIGNAL) and waits for that
// attempt's result. The runner's status file and the attempt numbers it
// carries are lib/runnerStatus.ts's; which attempts have been reported is
// recorded in the runner container itself (RUNNER_REPORTED_FILE).
//
// It also carries the digest of the project's normalised compose model (and
// its services), so an edit of a compose file shows in `pulumi preview` as an
// update of this resource, and nothing else: the update tells the running
// runner that the model changed (RUNNER_MODEL_CHANGED_SIGNAL), which runs
// compose up again as a new attempt, and waits for that attempt's result.
// Replacing the runner container for an edit would protect nothing and cost a
// container stop and start.
//
// It is a dynamic resource that runs the host's `docker` CLI against the same
// engine the Docker provider uses (DOCKER_HOST and friends apply to both). It
// has nothing to create or delete; it is re-checked whenever its runner is
// replaced or the compose model changes, and by every `pulumi up` after one in
// which it failed.

import * as pulumi from "@pulumi/pulumi";
import { DynamicResource } from "./dynamicResource";
import { writeProgress } from "../lib/progress";
import { containerOutput, runCommand } from "../lib/runCommand";
import { RunnerStatus, describeRunnerStatus, parseRunnerStatus } from "../lib/runnerStatus";

export interface ComposeReadinessArgs {
    /** The project, for messages. */
    readonly project: pulumi.Input<string>;
    /** ID of the runner container to follow. */
    readonly runnerId: pulumi.Input<string>;
    /** Name of the runner container, for messages (`docker logs <name>`). */
    readonly runnerName?: pulumi.Input<string>;
    /** Path of the runner's status file inside the container (RUNNER_STATUS_FILE). */
    readonly statusFile: pulumi.Input<string>;
    /** The file, inside the container, that tells the runner the host's images are in the daemon (RUNNER_IMAGES_LOADED_FILE). */
    readonly imagesLoadedFile: pulumi.Input<string>;
    /** Where, inside the container, to record the last attempt reported (RUNNER_REPORTED_FILE). */
    readonly reportedFile: pulumi.Input<string>;
    /** The signal that asks the runner for a new attempt (RUNNER_RETRY_SIGNAL). */
    readonly retrySignal: pulumi.Input<string>;
    /** The signal that tells the runner its compose model changed (RUNNER_MODEL_CHANGED_SIGNAL). */
    readonly modelChangedSignal: pulumi.Input<string>;
    /** Digest of the normalised compose model: a change re-runs compose up in the running runner. */
    readonly composeDigest: pulumi.Input<string>;
    /** The project's services, for the preview's diff. */
    readonly services: pulumi.Input<pulumi.Input<string>[]>;
    /** Upper bound on the wait; the runner's own bounded waits normally end it sooner. */
    readonly timeoutSeconds: pulumi.Input<number>;
    /** Where to say what compose is doing, for the progress display (lib/progress.ts). */
    readonly progressFile?: pulumi.Input<string>;
}

interface Inputs {
    project: string;
    runnerId: string;
    runnerName?: string;
    statusFile: string;
    imagesLoadedFile?: string;
    reportedFile: string;
    retrySignal: string;
    modelChangedSignal: string;
    composeDigest?: string;
    services?: string[];
    timeoutSeconds: number;
    progressFile?: string;
}

// Pulumi runs these functions in a separate process, which loads them from
// this module (components/dynamicResource.ts). test/unit/runnerScript.test.ts
// runs the provider, loaded the same way, against the real runner script.
/**
 * Follows the runner until an attempt's result that no check has reported yet; with `modelChanged`, first
 * tells the runner its compose model changed and waits for an attempt that starts after that.
 */
async function follow(inputs: Inputs, modelChanged: boolean): Promise<void> {
    const run = (file: string, args: string[]) => runCommand(file, args, 30000);
    const docker = (...args: string[]) => run("docker", args);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const runner = inputs.runnerName || inputs.runnerId.slice(0, 12);
    const prefix = `project ${inputs.project}`;

    // Compose reports errors on the container's stderr, which this merges in order with its stdout.
    const logTail = () => containerOutput(inputs.runnerId, 40, 30000);
    // The runner's status, or undefined while it has not written one; throws when the container is not running.
    const readStatus = async () => {
        try {
            return parseRunnerStatus(await docker("exec", inputs.runnerId, "cat", inputs.statusFile));
        } catch (err) {
            const state = (await docker("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", inputs.runnerId).catch(() => "missing")).trim();
            if (state.startsWith("running")) {
                return undefined; // no status file yet
            }
            throw new Error(`${prefix}: its runner container ${runner} is not running (${state}). Its last output (docker logs ${runner}):\n${await logTail()}`);
        }
    };
    const recordReported = async (attempt: number) => {
        await docker("exec", inputs.runnerId, "sh", "-c", 'printf "%s\\n" "$1" >"$2"', "sh", String(attempt), inputs.reportedFile).catch(() => undefined);
    };
    // One `docker exec` to start with: tell the runner the host's images are in the daemon (when this check
    // follows the preload), read which attempt was last reported and the runner's status, and then (after an
    // edit) tell the runner its compose model changed: its init (PID 1) passes the signal on to the script.
    const start = [
        'if [ -n "$1" ]; then mkdir -p "$(dirname "$1")" && : >>"$1" || exit 3; fi',
        'cat "$2" 2>/dev/null || echo 0',
        "echo ---",
        'cat "$3" 2>/dev/null || :',
        'if [ -n "$4" ]; then kill -s "$4" 1 || exit 4; fi',
    ].join("\n");
    const signal = modelChanged ? inputs.modelChangedSignal : "";
    let started: string;
    try {
        started = await docker("exec", inputs.runnerId, "sh", "-c", start, "sh", inputs.imagesLoadedFile ?? "", inputs.reportedFile, inputs.statusFile, signal);
    } catch (err: any) {
        await readStatus(); // throws, with the runner's output, when the container is not running
        const what = [inputs.imagesLoadedFile ? "tell it the images are loaded" : "", signal ? "tell it the compose model changed" : ""].filter((w) => w !== "");
        throw new Error(`${prefix}: could not read its runner ${runner}'s status${what.length > 0 ? ` or ${what.join(" or ")}` : ""}: ${err.message}`);
    }
    const [reportedText, statusText = ""] = started.split("\n---\n");
    const reported = Number(reportedText.trim()) || 0;

    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    let status = parseRunnerStatus(statusText);
    // Results of attempts before this one are not news.
    let firstFresh = 0;
    if (modelChanged) {
        // Signalled above, after this status was read.
        firstFresh = (status?.attempt ?? 0) + 1;
    } else if (status?.state === "failed" && status.attempt <= reported) {
        await docker("kill", "--signal", inputs.retrySignal, inputs.runnerId);
        firstFresh = status.attempt + 1;
    }
    let said = "";
    const fresh = (s: RunnerStatus | undefined): s is RunnerStatus => s !== undefined && s.attempt >= firstFresh;
    const final = (s: RunnerStatus | undefined) => fresh(s) && (s.state === "ok" || s.state === "failed");
    const show = (s: RunnerStatus) => {
        const phase = `compose: ${describeRunnerStatus(s)}`;
        if (phase !== said) {
            writeProgress(inputs.progressFile, phase);
            said = phase;
        }
    };
    for (;;) {
        if (fresh(status)) {
            show(status);
            if (status.state === "ok") {
                return;
            }
            if (status.state === "failed") {
                await recordReported(status.attempt);
                throw new Error(`${prefix}: ${status.reason || "compose failed"} (attempt ${status.attempt}). The runner's last output (docker logs ${runner}):\n${await logTail()}`);
            }
        }
        if (Date.now() >= deadline) {
            // A result that arrives after this is left over for the next `pulumi up`, which retries it.
            await recordReported(Math.max(status?.attempt ?? 0, firstFresh));
            const last = status ? `${status.state}${status.reason ? `: ${status.reason}` : ""}, attempt ${status.attempt}` : "none yet";
            throw new Error(`${prefix}: compose was not up after ${inputs.timeoutSeconds}s (last status: ${last}). The runner's last output (docker logs ${runner}):\n${await logTail()}`);
        }
        let latest = status;
        const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
        await watchStatus(inputs.runnerId, inputs.statusFile, firstFresh, seconds, (s) => {
            latest = s ?? latest;
            if (fresh(s)) {
                show(s);
            }
            return final(s);
        });
        status = latest;
        if (!final(status)) {
            // The watch ended early (its bound, or the container stopping): is the runner still there?
            await sleep(250);
            status = await readStatus();
        }
    }
}

/**
 * Follows a runner's status file from inside its container with one `docker exec` (a `docker exec` per poll
 * costs the host far more CPU than compose, whose progress it waits for): the container's shell reads the
 * file ten times a second with its own builtins and prints each change (two lines: the status file's), and
 * ends by itself at the first final state of an attempt from `firstFresh` on, or after `seconds`. Calls
 * `onStatus` with each status printed; once it returns true the watch is over.
 */
function watchStatus(runnerId: string, statusFile: string, firstFresh: number, seconds: number, onStatus: (s: RunnerStatus | undefined) => boolean): Promise<void> {
    const { spawn } = require("child_process");
    const watch = [
        'last= i=0',
        'while [ "$i" -lt "$3" ]; do',
        '  line= att=',
        '  { IFS= read -r line; IFS= read -r att; } <"$1" 2>/dev/null',
        '  if [ "$line|$att" != "$last" ]; then',
        '    last="$line|$att"',
        '    printf "%s\\n%s\\n" "$line" "$att"',
        '    case $line in ok | ok:* | failed | failed:*) [ "${att#attempt }" -ge "$2" ] 2>/dev/null && exit 0 ;; esac',
        '  fi',
        '  i=$((i + 1))',
        '  sleep 0.1',
        'done',
    ].join("\n");
    return new Promise((resolve) => {
        const child = spawn("docker", ["exec", runnerId, "sh", "-c", watch, "sh", statusFile, String(firstFresh), String(seconds * 10)], {
            stdio: ["ignore", "pipe", "ignore"],
        });
        let buffered = "";
        let lines: string[] = [];
        let over = false;
        child.stdout.on("data", (data: Buffer) => {
            buffered += data;
            const complete = buffered.split("\n");
            buffered = complete.pop() ?? "";
            for (const line of complete) {
                lines.push(line);
                if (lines.length === 2 && !over) {
                    over = onStatus(parseRunnerStatus(`${lines.join("\n")}\n`));
                    lines = [];
                    if (over) {
                        child.kill();
                    }
                }
            }
        });
        child.on("close", () => resolve());
        child.on("error", () => resolve());
    });
}

export const composeReadinessProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
        await follow(inputs, false);
        return { id: `${inputs.project}-${inputs.runnerId.slice(0, 12)}`, outs: inputs };
    },

    async diff(_id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.DiffResult> {
        const replaces = olds.runnerId !== news.runnerId || olds.project !== news.project ? ["runnerId"] : [];
        const modelChanged = olds.composeDigest !== news.composeDigest || JSON.stringify(olds.services) !== JSON.stringify(news.services);
        return { changes: replaces.length > 0 || modelChanged, replaces, deleteBeforeReplace: true };
    },

    // Only the compose model changed (anything else replaces this resource).
    async update(_id: string, olds: Inputs, news: Inputs): Promise<pulumi.dynamic.UpdateResult> {
        await follow(news, olds.composeDigest !== news.composeDigest);
        return { outs: news };
    },

    async delete(): Promise<void> {
        // Nothing to remove: the runner container is its own resource.
    },
};

export class ComposeReadiness extends DynamicResource {
    constructor(name: string, args: ComposeReadinessArgs, opts?: pulumi.CustomResourceOptions) {
        super({ file: __filename, exported: "composeReadinessProvider" }, "ComposeReadiness", name, { ...args }, opts);
    }
}
