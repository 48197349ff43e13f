// The program's side of the progress display (lib/progress.ts): follows a
// project's progress file during `pulumi up` and shows each new phase on the
// project's row.

import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { dindComposeHome } from "../lib/home";

/** The file a project's providers write their phase to: one per stack and project, in the user's own directory. */
export function progressFile(stack: string, project: string): string {
    return path.join(dindComposeHome(), "progress", stack, project);
}

/** How often the program looks at a progress file. */
const FOLLOW_INTERVAL_MS = 250;

/**
 * During an update (not a preview), shows every new phase
 * in `file` as an ephemeral message on `resource`'s row until `until` is known
 * (the last step has finished). Starts from an empty file, so nothing from an
 * earlier run is shown; its timers never keep the program alive.
 */
export function followProgress(file: string, resource: pulumi.Resource, until: pulumi.Output<unknown>): void {
    if (pulumi.runtime.isDryRun()) {
        return;
    }
    fs.rmSync(file, { force: true });
    let shown = "";
    let done = false;
    const look = () => {
        if (done) {
            return;
        }
        fs.readFile(file, "utf8", (err, text) => {
            const phase = err ? "" : text.trim();
            if (!done && phase && phase !== shown) {
                shown = phase;
                void pulumi.log.info(phase, resource, undefined, true);
            }
            if (!done) {
                setTimeout(look, FOLLOW_INTERVAL_MS).unref();
            }
        });
    };
    setTimeout(look, FOLLOW_INTERVAL_MS).unref();
    until.apply(() => {
        done = true;
    });
}
