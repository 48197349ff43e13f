// Shell scripts as the containers get them: a script's text travels in the
// container's configuration (an upload, a command), and so in the Pulumi
// state, twice (inputs and outputs), rewritten at every step of every
// `pulumi up` and `destroy`. Its comment lines, which are most of a
// well-explained script, stay in the file in lib/.

import * as fs from "fs";

/**
 * The script in `file` without its whole-line comments, keeping a first `#!` line. The script must not have a line
 * starting with `#` inside a here-document or a quoted string (lib/runner.sh and lib/daemon.sh have none: the
 * tests run the text this returns).
 */
export function scriptWithoutComments(file: string): string {
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line, i) => (i === 0 && line.startsWith("#!")) || !/^\s*#/.test(line))
        .join("\n");
}
