// Loaded with `node --require` before @pulumi/pulumi, by the program
// (Pulumi.yaml's nodeargs) and by the dynamic-provider host
// (scripts/toolchain/pulumi-resource-pulumi-nodejs).
//
// @pulumi/pulumi loads large parts at start that neither of them uses: the
// Automation API (`pulumi.automation`); `runtime.computeCodePaths`, which
// packages a function's node_modules for serverless functions and pulls in
// npm's own libraries (arborist, pacote, sigstore...); and TypeScript's
// parser, which only serialising a function needs (neither does: the dynamic
// providers are loaded by reference, components/dynamicResource.ts). Together they are about 0.3 s of CPU in every process that
// loads @pulumi/pulumi, and the engine waits for the dynamic-provider host to
// start before it goes on. The program also loads OpenTelemetry's SDK, its
// exporter and its gRPC instrumentation at start (cmd/run/tracing.js, about
// 0.09 s), which only `pulumi --tracing` uses. This defers each until
// something actually uses it: the module is then loaded as usual, so nothing
// behaves differently, it only happens later or never.
//
// Plain JavaScript: it runs before any TypeScript compiler is registered.
"use strict";

const Module = require("module");
const path = require("path");

/** The resolved path of `request` from this program's directory, or undefined without @pulumi/pulumi there. */
function resolve(request) {
    try {
        return require.resolve(request, { paths: [__dirname] });
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
 * Puts a placeholder in require.cache for the module at `file`: `exportsFor(load, isLoaded)` builds its
 * exports, where `load()` loads the real module (once) and returns its exports.
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
    placeholder.exports = exportsFor(load, () => real !== undefined);
    require.cache[file] = placeholder;
}

/**
 * A stand-in for a module's exports object that loads the module on first use and then reads through to it.
 * With `esModule`, it says it is an ES module without loading anything, so TypeScript's `__importStar` keeps
 * it as it is instead of copying every property (which would load the module at once). `early(key)` may hand
 * out a value for a key without loading anything (undefined: load and read through).
 */
function lazyNamespace(load, esModule, early = () => undefined) {
    const isMarker = (key) => esModule && key === "__esModule";
    return new Proxy(esModule ? { __esModule: true } : {}, {
        get: (target, key) => (isMarker(key) ? true : early(key) ?? Reflect.get(load(), key)),
        has: (target, key) => isMarker(key) || Reflect.has(load(), key),
        ownKeys: () => Reflect.ownKeys(load()),
        // Reported configurable: a proxy may not claim a fixed property its (empty) target lacks.
        getOwnPropertyDescriptor: (target, key) => {
            const descriptor = isMarker(key) ? { value: true } : Object.getOwnPropertyDescriptor(load(), key);
            return descriptor && { ...descriptor, configurable: true };
        },
    });
}

/**
 * A stand-in for the export `name` of a module that is not loaded yet: calling it, constructing it or reading
 * from it loads the module and goes through to the real export (so `instanceof` sees the real class too).
 */
function lazyMember(load, name) {
    return new Proxy(function () {}, {
        apply: (target, thisArg, args) => Reflect.apply(load()[name], thisArg, args),
        construct: (target, args) => Reflect.construct(load()[name], args),
        get: (target, key) => Reflect.get(load()[name], key),
    });
}

/**
 * A module's exports that a caller destructures at load time (`const { A } = require(...)`) without using
 * them yet: the named exports are stand-ins until the module is loaded; anything else loads it.
 */
function lazyExports(load, isLoaded, names) {
    const standIns = new Map(names.map((name) => [name, lazyMember(load, name)]));
    return lazyNamespace(load, false, (key) => (isLoaded() ? undefined : standIns.get(key)));
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

    // index.js keeps the namespace object (`pulumi.automation`).
    defer(path.join(dir, "automation", "index.js"), (load) => lazyNamespace(load, true));

    // TypeScript's parser, for serialising functions (nothing here serialises one): used at call time only.
    defer(path.join(dir, "typescript-shim.js"), (load) => lazyNamespace(load, false));

    // What cmd/run/tracing.js takes from OpenTelemetry at load time, for `pulumi --tracing` only.
    const tracingDir = path.join(dir, "cmd", "run");
    const tracingModules = {
        "@opentelemetry/resources": ["defaultResource", "resourceFromAttributes"],
        "@opentelemetry/sdk-trace-base": ["SimpleSpanProcessor"],
        "@opentelemetry/exporter-zipkin": ["ZipkinExporter"],
        "@opentelemetry/instrumentation-grpc": ["GrpcInstrumentation"],
        "@opentelemetry/sdk-trace-node": ["NodeTracerProvider"],
        "@opentelemetry/instrumentation": ["registerInstrumentations"],
    };
    for (const [request, names] of Object.entries(tracingModules)) {
        let file;
        try {
            file = require.resolve(request, { paths: [tracingDir] });
        } catch {
            continue; // another version of @pulumi/pulumi, without it: nothing to defer
        }
        defer(file, (load, isLoaded) => lazyExports(load, isLoaded, names));
    }
}
