// The runner's status protocol (lib/runnerStatus.ts): its format, its parser,
// and the runner health built on it. The script's side of the agreement is
// tested in runnerScript.test.ts, which runs the script.

import * as assert from "assert";
import { RUNNER_STATES, RunnerStatus, describeRunnerStatus, formatRunnerStatus, isFinalRunnerState, parseRunnerStatus, runnerHealth } from "../../lib/runnerStatus";

describe("runner status protocol", () => {
    it("reads back every state it writes, with its attempt and reason", () => {
        const statuses: RunnerStatus[] = [
            ...RUNNER_STATES.filter((s) => s !== "failed").map((state, i) => ({ state, attempt: i + 1 })),
            { state: "failed", attempt: 12, reason: "service migrate exited with code 3" },
            { state: "building", attempt: 2, detail: "backend" },
            { state: "waiting-for-services", attempt: 2, detail: "db: its health check is starting" },
        ];
        for (const status of statuses) {
            assert.deepStrictEqual(parseRunnerStatus(formatRunnerStatus(status)), status);
        }
    });

    it("writes a failure's reason on one line, so the state stays the first line", () => {
        const text = formatRunnerStatus({ state: "failed", attempt: 1, reason: "docker compose up exited with code 1:\n  no such image\r\n" });
        assert.strictEqual(text, "failed: docker compose up exited with code 1: no such image\nattempt 1\n");
    });

    it("reads the runner script's exact lines", () => {
        assert.deepStrictEqual(parseRunnerStatus("failed: daemon tcp://project-a:2376 did not answer within 120s\nattempt 3\n"), {
            state: "failed",
            attempt: 3,
            reason: "daemon tcp://project-a:2376 did not answer within 120s",
        });
        assert.deepStrictEqual(parseRunnerStatus("waiting-for-services\nattempt 1\n"), { state: "waiting-for-services", attempt: 1 });
        assert.deepStrictEqual(parseRunnerStatus("pulling: web\nattempt 1\n"), { state: "pulling", attempt: 1, detail: "web" });
        assert.deepStrictEqual(parseRunnerStatus("failed\nattempt 1\n"), { state: "failed", attempt: 1, reason: "" });
    });

    it("says each state in words for progress lines", () => {
        const said = (state: RunnerStatus["state"], detail?: string) =>
            describeRunnerStatus(state === "failed" ? { state, attempt: 1, reason: detail } : { state, attempt: 1, detail });
        assert.strictEqual(said("waiting-for-daemon"), "waiting for the daemon");
        assert.strictEqual(said("starting"), "starting (docker compose up)");
        assert.strictEqual(said("starting", "project-a-web-1"), "starting project-a-web-1");
        assert.strictEqual(said("pulling", "web"), "pulling web");
        assert.strictEqual(said("building", "backend"), "building backend");
        assert.strictEqual(said("waiting-for-services", "db: its health check is starting"), "waiting for db: its health check is starting");
        assert.strictEqual(said("failed", "service web exited with code 3"), "failed: service web exited with code 3");
        for (const state of RUNNER_STATES) {
            assert.ok(said(state).length > 0, state);
        }
    });

    it("treats anything but a complete status as not reported yet", () => {
        for (const text of ["", "ok", "ok\n", "ok\nattempt\n", "ok\nattempt x\n", "up\nattempt 1\n", "okay\nattempt 1\n", "attempt 1\nok\n"]) {
            assert.strictEqual(parseRunnerStatus(text), undefined, JSON.stringify(text));
        }
    });

    it("calls ok and failed final, and nothing else", () => {
        assert.deepStrictEqual(RUNNER_STATES.filter(isFinalRunnerState), ["ok", "failed"]);
    });

    it("calls the runner healthy exactly when it reports ok, unhealthy when it failed, starting otherwise", () => {
        assert.strictEqual(runnerHealth({ state: "ok", attempt: 2 }), "healthy");
        assert.strictEqual(runnerHealth({ state: "failed", attempt: 2, reason: "ok" }), "unhealthy");
        for (const state of RUNNER_STATES.filter((s) => s !== "ok" && s !== "failed")) {
            assert.strictEqual(runnerHealth({ state, attempt: 2, detail: "ok" }), "starting", state);
        }
        assert.strictEqual(runnerHealth(undefined), "starting");
    });
});
