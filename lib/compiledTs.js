// Loaded with `node --require` by the program (Pulumi.yaml's nodeargs), in
// place of the ts-node Pulumi would otherwise register: it compiles each of
// the program's TypeScript files once per content, with TypeScript's own
// transpileModule and tsconfig.json's compiler options, into a cache under
// node_modules/.cache, and loads the cached JavaScript from then on. TypeScript
// itself is loaded only to compile a file that changed. It does not
// type-check (nor did ts-node as Pulumi ran it here, with noCheck): `npm run
// build` and `npm test` do.
//
// Only files of this checkout outside node_modules are compiled; where a
// `.ts` loader is already registered (mocha's, for the tests), it stays. The
// cache only grows by the files that change; removing it is always safe.
//
// Plain JavaScript: it runs before any TypeScript compiler is registered.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Bump when what this file emits changes: every cached file is then compiled again. */
const EMIT_VERSION = "1";

const root = path.resolve(__dirname, "..");
const cacheDir = path.join(root, "node_modules", ".cache", "dind-compose-ts");

let settings;
/** tsconfig.json's compiler options, and what a cached file's key includes besides its source. */
function compileSettings() {
    if (settings === undefined) {
        const tsconfig = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.json"), "utf8"));
        const { outDir, types, noCheck, ...options } = tsconfig.compilerOptions ?? {};
        const version = JSON.parse(fs.readFileSync(require.resolve("typescript/package.json", { paths: [root] }), "utf8")).version;
        // Without comments: they would only make the program slower to load and, inside the dynamic providers'
        // functions, the text Pulumi stores for each of their resources (twice) longer.
        const emitted = { ...options, removeComments: true, inlineSourceMap: true, inlineSources: false };
        settings = { options: emitted, salt: `${EMIT_VERSION}|${version}|${JSON.stringify(emitted)}` };
    }
    return settings;
}

/** The JavaScript for `filename` (TypeScript `source`), from the cache or compiled now and cached. */
function compiled(source, filename) {
    const { options, salt } = compileSettings();
    // Keyed by the path inside the checkout, not the absolute one: the output does not depend on where the
    // checkout is (its source map names the file alone), so copies of the program (the tests' and the bench's
    // workspaces, which link node_modules) share what was compiled once.
    const key = crypto.createHash("sha256").update(salt).update("\0").update(path.relative(root, filename)).update("\0").update(source).digest("hex");
    const cached = path.join(cacheDir, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not compiled yet
    }
    const ts = require(require.resolve("typescript", { paths: [root] }));
    const result = ts.transpileModule(source, {
        fileName: filename,
        reportDiagnostics: true,
        compilerOptions: { ...ts.convertCompilerOptionsFromJson(options, root).options, module: ts.ModuleKind.CommonJS },
    });
    const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        const where = (d) => {
            if (!d.file || d.start === undefined) return filename;
            const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
            return `${filename}:${line + 1}:${character + 1}`;
        };
        throw new SyntaxError(errors.map((d) => `${where(d)}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`).join("\n"));
    }
    // Written whole under a temporary name, then renamed: two programs compiling at once never read half a file.
    fs.mkdirSync(cacheDir, { recursive: true });
    const temporary = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, result.outputText);
    fs.renameSync(temporary, cached);
    return result.outputText;
}

const ownFile = (filename) => filename.startsWith(root + path.sep) && !filename.slice(root.length).split(path.sep).includes("node_modules");

if (!require.extensions[".ts"]) {
    require.extensions[".ts"] = function (module, filename) {
        if (!ownFile(filename)) {
            throw new Error(`${filename}: only this program's own TypeScript is compiled (lib/compiledTs.js)`);
        }
        module._compile(compiled(fs.readFileSync(filename, "utf8"), filename), filename);
    };
}
