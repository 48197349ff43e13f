// What a project is doing during `pulumi up`, shown while it happens: waiting
// for its daemon, loading images, pulling, building, starting, waiting for a
// service's health check.
//
// The steps that take long run in dynamic providers (components/imagePreload.ts,
// components/composeReadiness.ts), which Pulumi runs in a process with no line
// to the engine's display (pulumi/pulumi#6065: their `pulumi.log` goes
// nowhere). So a provider writes its latest phase, one line, to a small file
// per project, and the program, which has that line, follows the file and
// shows each new phase as a passing (ephemeral) message on the project's row.
// A provider cannot log against its own resource anyway: the program only
// learns that resource's URN once the provider has finished.
//
// This module is the providers' side and imports nothing (the providers load
// it in the dynamic-provider host); the program's side (where the file is,
// following it) is components/followProgress.ts.

/**
 * Replaces the phase in `file` (a provider's side). Progress is a courtesy:
 * a failure to write it never fails the step.
 */
export function writeProgress(file: string | undefined, phase: string): void {
    if (!file) {
        return;
    }
    const fs = require("fs");
    const path = require("path");
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.writeFileSync(`${file}.tmp`, `${phase.replace(/\s*[\r\n]+\s*/g, " ").trim()}\n`, { mode: 0o600 });
        fs.renameSync(`${file}.tmp`, file);
    } catch {
        // no progress line, same result
    }
}
