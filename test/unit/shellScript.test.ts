// Scripts as containers get them (lib/shellScript.ts): without whole-line
// comments, everything else as it was.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { scriptWithoutComments } from "../../lib/shellScript";

describe("scriptWithoutComments", () => {
    it("drops whole-line comments, indented ones too, and keeps the #! line, trailing comments and blank lines", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dc-script-")), "s.sh");
        fs.writeFileSync(file, ["#!/bin/sh", "# what it does", "set -eu", "", "f() {", "  # why", "  echo '#1' # trailing", "}", "#"].join("\n"));
        assert.strictEqual(scriptWithoutComments(file), ["#!/bin/sh", "set -eu", "", "f() {", "  echo '#1' # trailing", "}"].join("\n"));
    });
});
