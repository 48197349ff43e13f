// `dind-compose status`: what is running and healthy. Gathering talks to the
// host engine (the daemon and runner containers), to each project's compose
// through its runner, and to the front door on 127.0.0.1; judging and
// formatting are pure and unit-tested (test/unit/cliStatus.test.ts).

import { execFile } from "child_process";
import * as http from "http";
import { RUNNER_STATUS_FILE, parseRunnerStatus, runnerHealth } from "../lib/runnerStatus";
import type { ProjectInfo, StackInfo } from "./stackInfo";

export interface ContainerStatus {
    readonly container: string;
    /** running, exited, restarting, missing... */
    readonly state: string;
    /**
     * healthy, unhealthy, starting, or "" without one. Daemons and runners have no Docker health check (it
     * would exec into them every few seconds, forever): status asks the daemon itself, and reads the runner's
     * status file.
     */
    readonly health: string;
}

export interface ServiceStatus {
    readonly name: string;
    readonly state: string;
    readonly health: string;
    readonly exitCode: number;
    /** Published ports inside the project's daemon, e.g. "3000->3000/tcp". */
    readonly ports: string[];
}

export interface ProjectStatus {
    readonly name: string;
    readonly daemon: ContainerStatus;
    readonly runner: ContainerStatus & { compose?: string };
    readonly services: ServiceStatus[];
    /** Why the services could not be listed. */
    readonly error?: string;
}

export interface RouteStatus {
    readonly host: string;
    readonly url: string;
    /** The HTTP status the route answers with, or undefined with `error`. */
    readonly status?: number;
    readonly error?: string;
}

export interface StatusReport {
    readonly stack: string;
    readonly healthy: boolean;
    readonly projects: ProjectStatus[];
    readonly routes: RouteStatus[];
}

export function containerHealthy(c: ContainerStatus): boolean {
    return c.state === "running" && (c.health === "" || c.health === "healthy");
}

/** Up (and healthy, when it has a check), or done: a one-shot service that exited 0. */
export function serviceHealthy(s: ServiceStatus): boolean {
    if (s.state === "exited") {
        return s.exitCode === 0;
    }
    return s.state === "running" && (s.health === "" || s.health === "healthy");
}

/** The front door answered, and not with its own "upstream down" page (502/503/504). */
export function routeHealthy(r: RouteStatus): boolean {
    return r.status !== undefined && ![502, 503, 504].includes(r.status);
}

export function projectHealthy(p: ProjectStatus): boolean {
    return p.error === undefined && containerHealthy(p.daemon) && containerHealthy(p.runner) && p.services.every(serviceHealthy);
}

export function judge(stack: string, projects: ProjectStatus[], routes: RouteStatus[]): StatusReport {
    return { stack, projects, routes, healthy: projects.every(projectHealthy) && routes.every(routeHealthy) };
}

/** Parses `docker compose ps --all --format json` (one object per line, or one array). */
export function parseComposePs(text: string): ServiceStatus[] {
    const trimmed = text.trim();
    if (trimmed === "") {
        return [];
    }
    const rows: any[] = trimmed.startsWith("[") ? JSON.parse(trimmed) : trimmed.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
    return rows
        .map((r) => ({
            name: String(r.Service ?? r.Name ?? "?"),
            state: String(r.State ?? "").toLowerCase(),
            health: String(r.Health ?? "").toLowerCase(),
            exitCode: Number(r.ExitCode ?? 0),
            ports: [
                ...new Set<string>(
                    (r.Publishers ?? [])
                        .filter((p: any) => Number(p.PublishedPort) > 0)
                        .map((p: any) => `${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? "tcp"}`),
                ),
            ],
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

const mark = (ok: boolean) => (ok ? "ok" : "!!");

/** Tables for a terminal: projects with their services, then routes. */
export function formatStatus(report: StatusReport): string {
    const lines: string[] = [`stack ${report.stack}: ${report.healthy ? "healthy" : "NOT HEALTHY"}`, ""];
    const rows: string[][] = [["", "PROJECT / SERVICE", "STATE", "HEALTH", "PORTS / DETAIL"]];
    for (const p of report.projects) {
        rows.push([mark(projectHealthy(p)), p.name, "", "", ""]);
        rows.push([mark(containerHealthy(p.daemon)), "  (daemon)", p.daemon.state, p.daemon.health || "-", p.daemon.container]);
        rows.push([mark(containerHealthy(p.runner)), "  (runner)", p.runner.state, p.runner.health || "-", `${p.runner.container}${p.runner.compose ? `: ${p.runner.compose}` : ""}`]);
        if (p.error !== undefined) {
            rows.push(["!!", "  (services)", "unknown", "-", p.error]);
        }
        for (const s of p.services) {
            const state = s.state === "exited" ? `exited ${s.exitCode}` : s.state;
            rows.push([mark(serviceHealthy(s)), `  ${s.name}`, state, s.health || "-", s.ports.join(", ")]);
        }
    }
    lines.push(...table(rows), "");
    const routeRows: string[][] = [["", "ROUTE", "HTTP"]];
    for (const r of report.routes) {
        routeRows.push([mark(routeHealthy(r)), r.url, r.status !== undefined ? String(r.status) : (r.error ?? "no answer")]);
    }
    if (report.routes.length === 0) {
        routeRows.push(["", "(no routes)", ""]);
    }
    lines.push(...table(routeRows));
    return lines.join("\n");
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string[] {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
    return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd());
}

function run(file: string, args: string[], timeoutMs = 15000): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(file, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
            resolve({ code: err ? (typeof (err as any).code === "number" ? (err as any).code : 1) : 0, stdout, stderr }),
        ),
    );
}

async function containerStatus(name: string): Promise<ContainerStatus> {
    const r = await run("docker", ["inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name]);
    if (r.code !== 0) {
        return { container: name, state: "missing", health: "" };
    }
    const [state, health = ""] = r.stdout.trim().split(" ");
    return { container: name, state, health };
}

/** The daemon's health, asked of the daemon itself on its local socket. */
async function daemonStatus(name: string): Promise<ContainerStatus> {
    const status = await containerStatus(name);
    if (status.state !== "running" || status.health !== "") {
        return status;
    }
    const answer = await run("docker", ["exec", name, "docker", "--host=unix:///var/run/docker.sock", "version", "--format", "{{.Server.Version}}"]);
    return { ...status, health: answer.code === 0 ? "healthy" : "unhealthy" };
}

async function projectStatus(p: ProjectInfo): Promise<ProjectStatus> {
    const [daemon, runner] = await Promise.all([daemonStatus(p.daemonContainer), containerStatus(p.runnerContainer)]);
    if (runner.state !== "running") {
        return { name: p.name, daemon, runner, services: [], error: `the runner is ${runner.state}: run pulumi up` };
    }
    const [statusFile, ps] = await Promise.all([
        run("docker", ["exec", p.runnerContainer, "cat", RUNNER_STATUS_FILE]),
        run("docker", ["exec", p.runnerContainer, "docker", "compose", "ps", "--all", "--format", "json"]),
    ]);
    const runnerStatus = parseRunnerStatus(statusFile.stdout);
    const said = runnerStatus?.reason || runnerStatus?.detail;
    const compose = runnerStatus ? `compose ${runnerStatus.state}${said ? ` (${said})` : ""}, attempt ${runnerStatus.attempt}` : undefined;
    const judged = { ...runner, health: runner.health || runnerHealth(runnerStatus), compose };
    if (ps.code !== 0) {
        const why = ps.stderr.trim().split("\n").pop() || `exit code ${ps.code}`;
        return { name: p.name, daemon, runner: judged, services: [], error: `docker compose ps failed: ${why}` };
    }
    return { name: p.name, daemon, runner: judged, services: parseComposePs(ps.stdout) };
}

/** GET / on the route through the front door, connecting to 127.0.0.1 with the route's Host. */
export function probeRoute(url: string, timeoutMs = 5000): Promise<{ status?: number; error?: string }> {
    const u = new URL(url);
    return new Promise((resolve) => {
        const req = http.request({ host: "127.0.0.1", port: Number(u.port || 80), path: "/", method: "GET", headers: { Host: u.host }, timeout: timeoutMs }, (res) => {
            res.resume();
            resolve({ status: res.statusCode });
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
        req.on("error", (err) => resolve({ error: err.message }));
        req.end();
    });
}

export async function gatherStatus(info: StackInfo): Promise<StatusReport> {
    const [projects, routes] = await Promise.all([
        Promise.all(info.projects.map(projectStatus)),
        Promise.all(info.routes.map(async (r) => ({ host: r.host, url: r.http, ...(await probeRoute(r.http)) }))),
    ]);
    return judge(info.stack, projects, routes);
}
