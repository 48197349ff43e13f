// shellcheck, as the unit tests of the project's container scripts run it.

import * as assert from "assert";
import { spawnSync } from "child_process";

/** Fails with shellcheck's findings unless `file` passes it as a POSIX sh script. */
export function assertShellcheckPasses(file: string): void {
    const found = spawnSync("shellcheck", ["--version"]);
    assert.ok(!found.error, "shellcheck is not installed: install it (apt-get install -y shellcheck) to run this test");
    const result = spawnSync("shellcheck", ["--shell=sh", file], { encoding: "utf8" });
    assert.strictEqual(result.status, 0, result.stdout + result.stderr);
}
