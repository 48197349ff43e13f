import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const repoRoot = path.resolve(__dirname, "..", "..");
const hook = path.join(repoRoot, "lib", "compiledTs.js");
/** A module of the checkout (the hook compiles only those), removed after the tests. */
const scratch = path.join(repoRoot, "test", `.compiledTs-${process.pid}`);
const moduleFile = path.join(scratch, "answer.ts");

/** Requires `file` in a fresh node with the hook; what it exports as `answer`, and whether TypeScript was loaded. */
function load(file: string): { answer: unknown; typescript: boolean } {
    const script = `
        const { answer } = require(${JSON.stringify(file)});
        const typescript = Object.keys(require.cache).some((f) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(f));
        console.log(JSON.stringify({ answer, typescript }));`;
    return JSON.parse(execFileSync("node", ["--require", hook, "-e", script], { cwd: repoRoot, encoding: "utf8", timeout: 60000 }));
}

describe("lib/compiledTs.js (the program's TypeScript, compiled once per content)", function () {
    this.timeout(60000);
    before(() => fs.mkdirSync(scratch, { recursive: true }));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("is what Pulumi.yaml loads the program with, instead of Pulumi's ts-node", () => {
        const project = fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8");
        assert.match(project, /^\s*typescript: false$/m);
        assert.match(project, /nodeargs: "[^"]*--require \.\/lib\/compiledTs\.js"/);
    });

    it("compiles a file the first time, and loads it from its cache without TypeScript after that", () => {
        fs.writeFileSync(moduleFile, `import * as path from "path";\ninterface Answer { value: number }\nconst a: Answer = { value: 40 + ${process.pid % 2} };\nexport const answer = [a.value + 1, path.sep];\n`);
        const first = load(moduleFile);
        const again = load(moduleFile);
        assert.deepStrictEqual(first.answer, [41 + (process.pid % 2), "/"]);
        assert.deepStrictEqual(again.answer, first.answer);
        assert.strictEqual(again.typescript, false, "TypeScript was loaded although the file was compiled before");
    });

    it("serves a copy of the checkout elsewhere (a test's or the bench's workspace) what was compiled here", () => {
        fs.writeFileSync(moduleFile, `export const answer: string = "shared ${process.pid}";\n`);
        assert.strictEqual(load(moduleFile).answer, `shared ${process.pid}`);
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "dc-compiledTs-copy-"));
        try {
            fs.mkdirSync(path.join(copy, "lib"));
            fs.copyFileSync(hook, path.join(copy, "lib", "compiledTs.js"));
            fs.copyFileSync(path.join(repoRoot, "tsconfig.json"), path.join(copy, "tsconfig.json"));
            fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(copy, "node_modules"));
            const copied = path.join(copy, path.relative(repoRoot, moduleFile));
            fs.mkdirSync(path.dirname(copied), { recursive: true });
            fs.copyFileSync(moduleFile, copied);
            const script = `
                const { answer } = require(${JSON.stringify(copied)});
                const typescript = Object.keys(require.cache).some((f) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(f));
                console.log(JSON.stringify({ answer, typescript }));`;
            const result = JSON.parse(execFileSync("node", ["--require", path.join(copy, "lib", "compiledTs.js"), "-e", script], { cwd: copy, encoding: "utf8", timeout: 60000 }));
            assert.deepStrictEqual(result, { answer: `shared ${process.pid}`, typescript: false });
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
    });

    it("compiles a file again when its content changes", () => {
        fs.writeFileSync(moduleFile, "export const answer: string = 'before';\n");
        assert.strictEqual(load(moduleFile).answer, "before");
        fs.writeFileSync(moduleFile, "export const answer: string = 'after';\n");
        const changed = load(moduleFile);
        assert.strictEqual(changed.answer, "after");
        assert.strictEqual(changed.typescript, true);
    });

    it("refuses a file with a syntax error, naming it with line and column", () => {
        fs.writeFileSync(moduleFile, "export const answer = {\n  a: 1,,\n};\n");
        const run = spawnSync("node", ["--require", hook, "-e", `require(${JSON.stringify(moduleFile)})`], { cwd: repoRoot, encoding: "utf8", timeout: 60000 });
        assert.notStrictEqual(run.status, 0);
        assert.match(run.stderr, new RegExp(`${moduleFile.replace(/[.]/g, "\\.")}:2:8: `));
    });
});
