// The runner's status protocol, in one place: where a runner reports how its
// compose project is doing, the words it may use, the file format, and the
// parser every reader uses. The writer is lib/runner.sh (a unit test checks
// that it writes exactly these words); the readers are the readiness check
// that `pulumi up` waits on (components/composeReadiness.ts) and
// `dind-compose status` (cli/status.ts), which judges the runner's health by it.
//
// The file holds two lines and is replaced atomically (written aside, then
// renamed), so a reader never sees half of it:
//
//     failed: service migrate exited with code 3
//     attempt 2
//
// Line 1 is a state word, optionally followed by `: <one-line detail>` (what
// is being built or waited for; for `failed`, the reason). Line 2 counts the
// runner's attempts: an attempt is one wait for the daemon followed by one
// `docker compose up` and its wait for the services, and every new attempt
// (first start, the daemon coming back, a retry request, a changed compose
// model) increments it, even
// across restarts of the container. A reader that remembers an attempt number
// can therefore tell a fresh result from one it has already seen.
//
// `failed` is final: the runner never replaces it with a non-final state
// until it actually starts a new attempt (the daemon came back after a daemon
// timeout, a retry was requested with RUNNER_RETRY_SIGNAL, or the compose
// model changed: RUNNER_MODEL_CHANGED_SIGNAL).

/** Where the runner writes its status, inside the runner container. */
export const RUNNER_STATUS_FILE = "/run/dind-compose/status";

/**
 * Where a readiness check records the last attempt whose result it has
 * reported (a decimal number): a `failed` for an attempt up to that number is
 * left over from an earlier `pulumi up`, not news.
 */
export const RUNNER_REPORTED_FILE = "/run/dind-compose/reported";

/**
 * Created by the readiness check of `pulumi up` once the host's images are in the daemon (the image preload
 * is done): the runner starts its first compose up only when it exists, so the runner container can be
 * created while the daemon starts and the images load. Beside the status file, where lib/runner.sh looks.
 */
export const RUNNER_IMAGES_LOADED_FILE = "/run/dind-compose/images-loaded";

/** The signal that asks a failed runner for a new attempt (`docker kill --signal USR1 <runner>`). */
export const RUNNER_RETRY_SIGNAL = "USR1";

/**
 * The signal that tells a runner its compose model changed: it runs compose up again as a new attempt,
 * at once when the project is up or failed, else right after the attempt under way.
 */
export const RUNNER_MODEL_CHANGED_SIGNAL = "USR2";

/**
 * Every state a runner reports, roughly in the order an attempt goes through
 * them: `starting` when compose up begins and again when compose creates and
 * starts containers; `pulling` and `building` come and go as compose's output
 * says (lib/runner.sh reads it).
 */
export const RUNNER_STATES = ["waiting-for-daemon", "waiting-for-images", "starting", "pulling", "building", "waiting-for-services", "ok", "failed"] as const;
export type RunnerState = (typeof RUNNER_STATES)[number];

/** States that end an attempt: nothing changes until the next attempt starts. */
export const FINAL_RUNNER_STATES: readonly RunnerState[] = ["ok", "failed"];

export interface RunnerStatus {
    readonly state: RunnerState;
    /** Counts the runner's attempts; see the file comment. */
    readonly attempt: number;
    /** Why the attempt failed (only for `failed`). */
    readonly reason?: string;
    /** What exactly, for the other states: the service being pulled or built, the container starting, what a service still lacks. */
    readonly detail?: string;
}

/** The status file's text for a status: what lib/runner.sh writes. */
export function formatRunnerStatus(status: RunnerStatus): string {
    const first =
        status.state === "failed" ? `failed: ${oneLine(status.reason ?? "")}` : status.detail ? `${status.state}: ${oneLine(status.detail)}` : status.state;
    return `${first}\nattempt ${status.attempt}\n`;
}

/**
 * Reads a status file's text. Returns undefined for anything that is not a
 * complete status (no file yet, an unknown word, no attempt line), so a reader
 * treats it as "not reported yet" rather than guessing.
 */
export function parseRunnerStatus(text: string): RunnerStatus | undefined {
    const [first = "", second = ""] = text.split("\n");
    const attempt = /^attempt (\d+)$/.exec(second.trim());
    if (!attempt) {
        return undefined;
    }
    const line = /^([a-z-]+)(?:: ?(.*))?$/.exec(first.trim());
    const state = RUNNER_STATES.find((s) => s === line?.[1]);
    if (!line || !state) {
        return undefined;
    }
    const detail = (line[2] ?? "").trim();
    if (state === "failed") {
        return { state, attempt: Number(attempt[1]), reason: detail };
    }
    return detail ? { state, attempt: Number(attempt[1]), detail } : { state, attempt: Number(attempt[1]) };
}

/** The status in words, for progress lines and `dind-compose status`: "building backend", "waiting for db: its health check is starting". */
export function describeRunnerStatus(status: RunnerStatus): string {
    const detail = status.state === "failed" ? status.reason : status.detail;
    switch (status.state) {
        case "waiting-for-daemon":
            return "waiting for the daemon";
        case "waiting-for-images":
            return "waiting for pulumi up to load the host's images into the daemon";
        case "starting":
            return detail ? `starting ${detail}` : "starting (docker compose up)";
        case "pulling":
        case "building":
            return detail ? `${status.state} ${detail}` : status.state;
        case "waiting-for-services":
            return detail ? `waiting for ${detail}` : "waiting for the services";
        case "ok":
            return "up: every service running or done";
        case "failed":
            return detail ? `failed: ${detail}` : "failed";
    }
}

export function isFinalRunnerState(state: RunnerState): boolean {
    return FINAL_RUNNER_STATES.includes(state);
}

/** A runner's health, as Docker words it: healthy exactly when compose is up, unhealthy when it failed, else starting. */
export function runnerHealth(status: RunnerStatus | undefined): "healthy" | "unhealthy" | "starting" {
    return status?.state === "ok" ? "healthy" : status?.state === "failed" ? "unhealthy" : "starting";
}

function oneLine(text: string): string {
    return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
