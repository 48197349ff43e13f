// The daemon's script (lib/daemon.sh): shellcheck, and that the command
// components/daemon.ts builds carries it whole, only without its comment
// lines. How it behaves is tested against the real engine
// (test/engine/daemon.test.ts).

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { DAEMON_SCRIPT_SOURCE, daemonCommand, dockerdFlags } from "../../components/daemon";
import { scriptWithoutComments } from "../../lib/shellScript";
import { assertShellcheckPasses } from "../support/shellcheck";

describe("daemon script", () => {
    it("passes shellcheck", () => assertShellcheckPasses(DAEMON_SCRIPT_SOURCE));

    it("is the command's script without its comment lines, still valid sh, with dockerd's flags as its arguments", () => {
        const command = daemonCommand("mirror:5000");
        assert.deepStrictEqual(command.slice(0, 3), ["dind", "sh", "-c"]);
        const script = command[3];
        assert.strictEqual(script, scriptWithoutComments(DAEMON_SCRIPT_SOURCE));
        assert.ok(script.startsWith("#!/bin/sh\n"));
        assert.doesNotMatch(script.slice(script.indexOf("\n")), /^\s*#/m);
        assert.ok(script.length < fs.readFileSync(DAEMON_SCRIPT_SOURCE, "utf8").length);
        assert.strictEqual(spawnSync("sh", ["-n", "-c", script]).status, 0);
        assert.deepStrictEqual(command.slice(4), ["dind-compose-daemon", ...dockerdFlags("mirror:5000")]);
        assert.ok(dockerdFlags("mirror:5000").includes("--registry-mirror=https://mirror:5000"));
    });
});
