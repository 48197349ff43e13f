import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { contextFingerprint } from "../../lib/buildContext";

function tree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-context-"));
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

describe("build context fingerprint", () => {
    it("changes when a sent file is edited, added or removed, and stays when nothing changed", () => {
        const dir = tree({ "src/app.js": "1", "Dockerfile": "FROM busybox:1.37" });
        const first = contextFingerprint(dir);
        assert.strictEqual(contextFingerprint(dir), first);
        fs.writeFileSync(path.join(dir, "src/app.js"), "22");
        const edited = contextFingerprint(dir);
        assert.notStrictEqual(edited, first);
        fs.writeFileSync(path.join(dir, "src/new.js"), "");
        const added = contextFingerprint(dir);
        assert.notStrictEqual(added, edited);
        fs.rmSync(path.join(dir, "src/new.js"));
        assert.strictEqual(contextFingerprint(dir), edited);
    });

    it("ignores what .dockerignore excludes, with Docker's exception rules", () => {
        const dir = tree({ ".dockerignore": "node_modules\n*.log\n!keep.log\n", "app.js": "1", "node_modules/x/index.js": "1", "a.log": "", "keep.log": "" });
        const first = contextFingerprint(dir);
        fs.writeFileSync(path.join(dir, "node_modules/x/index.js"), "changed");
        fs.writeFileSync(path.join(dir, "a.log"), "changed");
        assert.strictEqual(contextFingerprint(dir), first, "excluded files do not count");
        fs.writeFileSync(path.join(dir, "keep.log"), "changed");
        assert.notStrictEqual(contextFingerprint(dir), first, "an exception brings a file back");
    });
});

describe("build context fingerprint, by content", () => {
    it("stays the same when a file is rewritten with the same content", () => {
        const dir = tree({ "web/node_modules/.installed": "installed\n", "Dockerfile": "FROM busybox:1.37" });
        const first = contextFingerprint(dir);
        const later = new Date(Date.now() + 5000);
        fs.writeFileSync(path.join(dir, "web/node_modules/.installed"), "installed\n");
        fs.utimesSync(path.join(dir, "web/node_modules/.installed"), later, later);
        assert.strictEqual(contextFingerprint(dir), first);
        fs.writeFileSync(path.join(dir, "web/node_modules/.installed"), "installed again\n");
        assert.notStrictEqual(contextFingerprint(dir), first);
    });
});

describe("build context fingerprint, narrowed to what the Dockerfile reads", () => {
    it("counts files under or matching a COPY source and nothing else", () => {
        const dir = tree({ "backend/www/index.html": "1", "backend/Dockerfile": "", "web/node_modules/.installed": "", "config/a.json": "{}", "config/b.txt": "" });
        const sources = ["backend/www", "config/*.json"];
        const first = contextFingerprint(dir, undefined, sources);
        fs.writeFileSync(path.join(dir, "web/node_modules/.installed"), "written by a one-shot installer");
        fs.writeFileSync(path.join(dir, "config/b.txt"), "not copied");
        assert.strictEqual(contextFingerprint(dir, undefined, sources), first, "files the Dockerfile does not read");
        fs.writeFileSync(path.join(dir, "backend/www/new.html"), "");
        const added = contextFingerprint(dir, undefined, sources);
        assert.notStrictEqual(added, first, "a new file under a copied directory");
        fs.writeFileSync(path.join(dir, "config/a.json"), "{\"a\":1}");
        assert.notStrictEqual(contextFingerprint(dir, undefined, sources), added, "a file matching a copied pattern");
    });

    it("still leaves out what .dockerignore excludes under a copied directory", () => {
        const dir = tree({ ".dockerignore": "app/*.log\n", "app/main.js": "1", "app/debug.log": "" });
        const first = contextFingerprint(dir, undefined, ["app"]);
        fs.writeFileSync(path.join(dir, "app/debug.log"), "noise");
        assert.strictEqual(contextFingerprint(dir, undefined, ["app"]), first);
    });
});
