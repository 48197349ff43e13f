// One command run the way the dynamic providers run `docker` (image preload,
// compose readiness, removals): bounded in time, its stdout as text, and on
// failure an error saying what the command itself said on stderr; and a
// container's last output, quoted in their error messages.
//
// It imports nothing: the dynamic-provider host loads it with the providers,
// and Node's own modules are all it needs.

/** Runs `file args…` for at most `timeoutMs`; its stdout, or an error carrying its stderr (or why it did not run). */
export function runCommand(file: string, args: string[], timeoutMs: number): Promise<string> {
    const { execFile } = require("child_process");
    return new Promise((resolve, reject) =>
        execFile(file, args, { encoding: "utf8", timeout: timeoutMs }, (err: Error | null, stdout: string, stderr: string) =>
            err ? reject(new Error(String(stderr).trim() || err.message)) : resolve(stdout),
        ),
    );
}

/**
 * The last `lines` lines a container wrote, stdout and stderr merged in order (the container's stderr comes
 * out on `docker logs`'s own), indented for an error message; or why they could not be read.
 */
export async function containerOutput(container: string, lines: number, timeoutMs: number): Promise<string> {
    try {
        const tail = await runCommand("sh", ["-c", `docker logs --tail ${lines} "$1" 2>&1`, "sh", container], timeoutMs);
        return tail.trimEnd().replace(/^/gm, "    ");
    } catch (err: any) {
        return `    (docker logs failed: ${err.message})`;
    }
}
