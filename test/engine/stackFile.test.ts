// Bringing the example stack up must not dirty tracked files: Pulumi writes
// the stack's passphrase salt into Pulumi.dev.yaml, and the repository's git
// filter (.gitattributes, scripts/git-config.sh) keeps it out of git's view.
// This runs the real `pulumi stack init` and the real git in a scratch clone of
// those files, the way scripts/up.sh does it.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { must, PulumiWorkspace, repoRoot, run } from "../support/pulumiCli";

describe("stack file: the example's settings are tracked, the salt is not", function () {
    this.timeout(120000);
    let dir: string;
    const git = (...args: string[]) => must("git", ["-c", "user.name=test", "-c", "user.email=test@localhost", ...args], { cwd: dir }).stdout;

    before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-stackfile-"));
        // What git holds (this checkout's working Pulumi.dev.yaml may carry its own salt).
        for (const entry of ["Pulumi.yaml", "Pulumi.dev.yaml", ".gitattributes", "scripts/git-config.sh"]) {
            fs.mkdirSync(path.dirname(path.join(dir, entry)), { recursive: true });
            fs.writeFileSync(path.join(dir, entry), must("git", ["show", `:${entry}`], { cwd: repoRoot }).stdout);
        }
        fs.writeFileSync(path.join(dir, ".gitignore"), ".state/\n"); // the scratch workspace's backend
        git("init", "-q");
        git("add", ".");
        git("commit", "-q", "-m", "example");
        must("bash", ["scripts/git-config.sh"], { cwd: dir });
        new PulumiWorkspace(dir, "dev").initStack();
        must("bash", ["scripts/git-config.sh"], { cwd: dir });
    });

    after(function () {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("Pulumi wrote the salt into the working file, where it reads it", function () {
        assert.match(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8"), /^encryptionsalt: v1:/m);
    });

    it("git status is clean and git diff is empty", function () {
        assert.strictEqual(git("status", "--porcelain"), "");
        assert.strictEqual(git("diff"), "");
    });

    it("a real edit shows in git diff without the salt, and commits without it", function () {
        const file = path.join(dir, "Pulumi.dev.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("httpPort: 80", "httpPort: 8080"));
        const diff = git("diff");
        assert.match(diff, /^\+    httpPort: 8080$/m);
        assert.doesNotMatch(diff, /encryptionsalt/);
        git("commit", "-q", "-am", "edit");
        assert.doesNotMatch(git("show", "HEAD:Pulumi.dev.yaml"), /encryptionsalt/);
        assert.match(fs.readFileSync(file, "utf8"), /^encryptionsalt: v1:/m, "the working file keeps the salt");
        assert.strictEqual(run("git", ["status", "--porcelain"], { cwd: dir }).stdout, "");
    });
});
