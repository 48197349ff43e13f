// Loaded with `node --require` before @pulumi/pulumi, by the program
// (Pulumi.yaml's nodeargs) and by the dynamic-provider host
// (scripts/toolchain/pulumi-resource-pulumi-nodejs).
//
// @pulumi/pulumi loads two large parts at start that neither of them uses:
// the Automation API (`pulumi.automation`) and `runtime.computeCodePaths`,
// which packages a function's node_modules for serverless functions and
// pulls in npm's own libraries (arborist, pacote, sigstore...). Together they
// are about 0.3 s of CPU in every process that loads @pulumi/pulumi. This
// defers each until something actually uses it: the module is then loaded
// as usual, so nothing behaves differently, it only happens later or never.
//
// Plain JavaScript: it runs before any TypeScript compiler is registered.
"use strict";

const Module = require("module");
const path = require("path");

/** The resolved path of `request` from the directory Node started in, or undefined without @pulumi/pulumi there. */
function resolve(request) {
    try {
        return require.resolve(request, { paths: [process.cwd()] });
    } catch {
        return undefined;
    }
}

/** Loads the real module at `file`, bypassing the placeholder that stands in its require.cache entry. */
function loadReal(file, placeholder) {
    delete require.cache[file];
    try {
        return require(file);
    } finally {
        if (!require.cache[file]) {
            require.cache[file] = placeholder;
        }
    }
}

/**
 * Puts a placeholder in require.cache for the module at `file`: `exportsFor(load)` builds its exports,
 * where `load()` loads the real module (once) and returns its exports.
 */
function defer(file, exportsFor) {
    if (file === undefined || require.cache[file] !== undefined) {
        return;
    }
    const placeholder = new Module(file, null);
    placeholder.filename = file;
    placeholder.paths = Module._nodeModulePaths(path.dirname(file));
    placeholder.loaded = true;
    let real;
    const load = () => (real ??= loadReal(file, placeholder));
    placeholder.exports = exportsFor(load);
    require.cache[file] = placeholder;
}

const pulumiRoot = resolve("@pulumi/pulumi/package.json");
if (pulumiRoot !== undefined) {
    const dir = path.dirname(pulumiRoot);

    // runtime/index.js copies these functions at load time, so they stand in for the real ones.
    defer(path.join(dir, "runtime", "closure", "codePaths.js"), (load) => ({
        computeCodePaths: (...args) => load().computeCodePaths(...args),
        findWorkspaceRoot: (...args) => load().findWorkspaceRoot(...args),
        packageArchivePath: (...args) => load().packageArchivePath(...args),
    }));

    // index.js keeps the namespace object (`pulumi.automation`): a proxy that loads it on first use.
    defer(path.join(dir, "automation", "index.js"), (load) =>
        new Proxy(
            { __esModule: true },
            {
                get: (target, key) => (key === "__esModule" ? true : Reflect.get(load(), key)),
                has: (target, key) => key === "__esModule" || Reflect.has(load(), key),
                ownKeys: () => Reflect.ownKeys(load()),
                // Reported configurable: a proxy may not claim a fixed property its (empty) target lacks.
                getOwnPropertyDescriptor: (target, key) => {
                    const descriptor = key === "__esModule" ? { value: true } : Object.getOwnPropertyDescriptor(load(), key);
                    return descriptor && { ...descriptor, configurable: true };
                },
            },
        ),
    );
}
