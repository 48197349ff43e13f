// A profile of one `pulumi` command from its OpenTelemetry trace
// (`--otel-traces file://…`): when the program started, when it registered
// its first resource, and each provider step (create, update, delete, read,
// diff) that took time, with its resource, relative to the command's start.
// Used by `bench/bench.ts --profile`.

import * as fs from "fs";
import * as path from "path";
import { PulumiWorkspace } from "../test/support/pulumiCli";

interface Span {
    readonly service: string;
    readonly name: string;
    readonly start: number;
    readonly end: number;
    readonly urn?: string;
}

export interface Timeline {
    readonly seconds: number;
    /** Named moments: the program's start, its first resource registration, the end of the program. */
    readonly marks: [string, number][];
    /** Provider steps the engine made, with their resource, slowest first within their start order. */
    readonly steps: { op: string; resource: string; start: number; seconds: number }[];
}

const STEP = /^\/?pulumirpc\.ResourceProvider\/(Create|Update|Delete|Read|Diff)$/;

/** Runs `pulumi <args>` in the workspace, tracing it to `<logDir>/<name>.otel.json`; its timeline. */
export function profiledPulumi(ws: PulumiWorkspace, args: string[], logDir: string, name: string): Timeline {
    const file = path.join(logDir, `${name}.otel.json`);
    const result = ws.mustPulumi([...args, "--otel-traces", `file://${file}`]);
    const timeline = readTimeline(file);
    return { ...timeline, seconds: result.seconds };
}

/** Reads an OTLP JSON-lines trace file. */
export function readTimeline(file: string): Timeline {
    const spans: Span[] = [];
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (line.trim() === "") {
            continue;
        }
        for (const rs of JSON.parse(line).resourceSpans ?? []) {
            const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === "service.name")?.value?.stringValue ?? "";
            for (const ss of rs.scopeSpans ?? []) {
                for (const s of ss.spans ?? []) {
                    const message = (s.attributes ?? []).map((a: { value?: { stringValue?: string } }) => a.value?.stringValue ?? "").join(" ");
                    const urn = /urn:\\?"(urn:pulumi:[^"\\]+)/.exec(message)?.[1];
                    // Microseconds since the epoch.
                    spans.push({ service, name: s.name, start: Number(BigInt(s.startTimeUnixNano) / 1000n), end: Number(BigInt(s.endTimeUnixNano) / 1000n), urn });
                }
            }
        }
    }
    const t0 = Math.min(...spans.map((s) => s.start));
    const at = (us: number) => (us - t0) / 1e6;
    const cli = spans.filter((s) => s.service === "pulumi-cli");
    const first = (name: string) => cli.filter((s) => s.name === name).sort((a, b) => a.start - b.start)[0];
    const marks: [string, number][] = [];
    const program = first("run-program");
    if (program) {
        marks.push(["program starts", at(program.start)]);
    }
    const register = first("pulumirpc.ResourceMonitor/RegisterResource");
    if (register) {
        marks.push(["first resource registered", at(register.start)]);
    }
    if (program) {
        marks.push(["program ends", at(program.end)]);
    }
    // The engine's side of a call has the timing; the provider's side (when the provider traces) names the
    // resource. Traces do not link the two, so each call takes the nearest unclaimed served span after its start.
    const served = spans.filter((s) => s.service !== "pulumi-cli" && s.urn !== undefined).sort((a, b) => a.start - b.start);
    const claimed = new Set<Span>();
    const resourceOf = (call: Span) => {
        const match = served.find((s) => !claimed.has(s) && s.name === `/${call.name}` && s.start >= call.start && s.start <= call.end);
        if (match === undefined) {
            return "(dynamic provider: no trace)";
        }
        claimed.add(match);
        return match.urn!.split("::").slice(-1)[0];
    };
    const steps = cli
        .sort((a, b) => a.start - b.start)
        .filter((s) => STEP.test(s.name) && s.end - s.start >= 50000)
        .map((s) => ({ op: STEP.exec(s.name)![1].toLowerCase(), resource: resourceOf(s), start: at(s.start), seconds: (s.end - s.start) / 1e6 }))
        .sort((a, b) => a.start - b.start);
    return { seconds: at(Math.max(...spans.map((s) => s.end))), marks, steps };
}

/** The timeline as lines: marks, then one line per step with a bar on a 0..total scale. */
export function formatTimeline(t: Timeline, width = 40): string[] {
    const scale = width / Math.max(t.seconds, 0.001);
    const lines = [`  total ${t.seconds.toFixed(1)} s; ${t.marks.map(([what, s]) => `${what} ${s.toFixed(1)} s`).join(", ")}`];
    for (const s of t.steps) {
        const bar = " ".repeat(Math.floor(s.start * scale)) + "#".repeat(Math.max(1, Math.round(s.seconds * scale)));
        lines.push(`  ${s.start.toFixed(1).padStart(5)} ${s.seconds.toFixed(1).padStart(5)} ${s.op.padEnd(7)} ${s.resource.slice(0, 34).padEnd(34)} |${bar.slice(0, width).padEnd(width)}|`);
    }
    return lines;
}
