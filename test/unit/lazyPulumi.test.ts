import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const repoRoot = path.resolve(__dirname, "..", "..");
const preload = path.join(repoRoot, "lib", "lazyPulumi.js");

/** Runs `script` in a fresh node (this process has @pulumi/pulumi loaded already), with or without the preload; its JSON output. */
function inFreshNode(script: string, withPreload: boolean): any {
    const args = withPreload ? ["--require", preload, "-e", script] : ["-e", script];
    return JSON.parse(execFileSync("node", args, { cwd: repoRoot, encoding: "utf8", timeout: 60000 }));
}

// Modules of the Automation API (its index is the placeholder), of npm's arborist and TypeScript in require.cache.
const loaded = `Object.keys(require.cache).filter((f) => /[\\\\/]automation[\\\\/](?!index\\.js$)|[\\\\/]@npmcli[\\\\/]arborist[\\\\/]|[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(f)).length`;

describe("lib/lazyPulumi.js (deferring the unused parts of @pulumi/pulumi)", function () {
    this.timeout(60000);

    it("is what Pulumi.yaml has node preload for the program", () => {
        assert.match(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"), /nodeargs: "--require \.\/lib\/lazyPulumi\.js /);
    });

    it("keeps the Automation API, npm's libraries and TypeScript out of a process until they are used", () => {
        const without = inFreshNode(`require("@pulumi/pulumi"); console.log(JSON.stringify(${loaded}))`, false);
        const withIt = inFreshNode(`require("@pulumi/pulumi"); console.log(JSON.stringify(${loaded}))`, true);
        assert.ok(without > 0, "without the preload, loading @pulumi/pulumi loads them (else this test proves nothing)");
        assert.strictEqual(withIt, 0);
    });

    it("loads them as usual on first use: the same exports, nothing missing", () => {
        const script = `
            const pulumi = require("@pulumi/pulumi");
            const before = ${loaded};
            const keys = Object.keys(pulumi.automation).sort();
            console.log(JSON.stringify({
                before,
                after: ${loaded},
                keys,
                workspace: typeof pulumi.automation.LocalWorkspace,
                spread: ({ ...pulumi.automation }).LocalWorkspace === pulumi.automation.LocalWorkspace,
                has: "LocalWorkspace" in pulumi.automation,
                codePaths: typeof pulumi.runtime.computeCodePaths,
            }));`;
        const plain = inFreshNode(script, false);
        const lazy = inFreshNode(script, true);
        assert.strictEqual(lazy.before, 0);
        assert.ok(lazy.after > 0);
        assert.deepStrictEqual(lazy.keys, plain.keys);
        assert.strictEqual(lazy.workspace, "function");
        assert.strictEqual(lazy.spread, true);
        assert.strictEqual(lazy.has, true);
        assert.strictEqual(lazy.codePaths, "function");
    });

    it("serialises a function (TypeScript's parser, loaded on first use) as without it", () => {
        const script = `
            const pulumi = require("@pulumi/pulumi");
            const before = ${loaded};
            const answer = 42;
            pulumi.runtime.serializeFunction(() => answer).then(
                (f) => console.log(JSON.stringify({ before, text: f.text })),
                (err) => console.log(JSON.stringify({ before, text: String(err) })),
            );`;
        const plain = inFreshNode(script, false);
        const lazy = inFreshNode(script, true);
        assert.strictEqual(lazy.before, 0);
        assert.match(plain.text, /answer: 42/);
        assert.strictEqual(lazy.text, plain.text);
    });

    it("calls through to the real computeCodePaths", () => {
        const script = `
            const pulumi = require("@pulumi/pulumi");
            pulumi.runtime.computeCodePaths({ extraIncludePaths: ["lib/lazyPulumi.js"], extraExcludePackages: [] }).then(
                (paths) => console.log(JSON.stringify([...paths.keys()].filter((p) => p.endsWith("lazyPulumi.js")).length)),
                (err) => console.log(JSON.stringify(String(err))),
            );`;
        assert.strictEqual(inFreshNode(script, true), 1);
    });

    // Files of OpenTelemetry's SDK packages (not its API, which @pulumi/pulumi uses throughout) in require.cache,
    // other than their entry points (where the preload's placeholders stand).
    const otelSdk = `(() => {
        const dir = require("path").dirname(require.resolve("@pulumi/pulumi/cmd/run/tracing.js"));
        const packages = ["resources", "sdk-trace-base", "sdk-trace-node", "exporter-zipkin", "instrumentation", "instrumentation-grpc"].map((p) => "@opentelemetry/" + p);
        const entries = new Set(packages.map((p) => require.resolve(p, { paths: [dir] })));
        return Object.keys(require.cache).filter((f) => packages.some((p) => f.includes("/node_modules/" + p + "/")) && !entries.has(f)).length;
    })()`;

    it("keeps OpenTelemetry's SDK out of the program's start (cmd/run/tracing.js) until tracing starts", () => {
        const script = `require("@pulumi/pulumi/cmd/run/tracing.js"); console.log(JSON.stringify(${otelSdk}))`;
        assert.ok(inFreshNode(script, false) > 0, "without the preload, tracing.js loads it (else this test proves nothing)");
        assert.strictEqual(inFreshNode(script, true), 0);
    });

    it("traces as without it once \`pulumi --tracing\` starts tracing: the real SDK, spans with trace IDs", () => {
        // No span is ended, so the exporter sends nothing (it would go to 127.0.0.1:9 only).
        const script = `
            const tracing = require("@pulumi/pulumi/cmd/run/tracing.js");
            const api = require("@opentelemetry/api");
            const before = api.trace.getTracer("t").startSpan("s").spanContext().traceId;
            tracing.start("http://127.0.0.1:9/api/v2/spans");
            const span = tracing.newSpan("dind-compose test");
            const { SimpleSpanProcessor } = require("@opentelemetry/sdk-trace-base");
            console.log(JSON.stringify({
                before,
                traceId: span.spanContext().traceId,
                recording: span.isRecording(),
                provider: api.trace.getTracerProvider().getDelegate().constructor.name,
                realClass: typeof SimpleSpanProcessor.prototype.onEnd,
            }));`;
        const plain = inFreshNode(script, false);
        const lazy = inFreshNode(script, true);
        assert.strictEqual(plain.before, "00000000000000000000000000000000");
        assert.match(plain.traceId, /^(?!0+$)[0-9a-f]{32}$/);
        assert.deepStrictEqual({ ...lazy, traceId: "" }, { ...plain, traceId: "" });
        assert.match(lazy.traceId, /^(?!0+$)[0-9a-f]{32}$/);
    });
});
