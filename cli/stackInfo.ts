// What the day-to-day commands know about a stack: its outputs, read through
// Pulumi's Automation API (`pulumi stack output` under the hood, never its
// text), in the shapes components/stack.ts exports them.

import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";

export class CliError extends Error {}

export interface ProjectInfo {
    readonly name: string;
    readonly daemonContainer: string;
    readonly runnerContainer: string;
    readonly services: string[];
    /** `tcp://127.0.0.1:<port>` when the project publishes its daemon. */
    readonly dockerHost?: string;
    readonly tlsCaCert: string;
    readonly tlsClientCert: string;
}

export interface RouteInfo {
    readonly host: string;
    readonly http: string;
    readonly https: string;
}

export interface StackInfo {
    readonly stack: string;
    readonly dir: string;
    readonly projects: ProjectInfo[];
    readonly routes: RouteInfo[];
    readonly caCertificate: string;
    /** Per project: its client key (a secret output). */
    readonly clientKeys: Record<string, string>;
}

/** The Pulumi project directory: --cwd, else this checkout. */
export function programDir(cwd?: string): string {
    const dir = path.resolve(cwd ?? path.join(__dirname, ".."));
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
        throw new CliError(`${dir} holds no Pulumi.yaml: give the dind-compose checkout with --cwd`);
    }
    return dir;
}

/** The stack's outputs; a CliError when the stack does not exist or is not up. */
export async function readStack(cwd: string | undefined, stackName: string | undefined): Promise<StackInfo> {
    const dir = programDir(cwd);
    const ws = await LocalWorkspace.create({ workDir: dir });
    let stack = stackName;
    if (stack === undefined) {
        stack = (await ws.stack().catch(() => undefined))?.name ?? "dev";
    }
    const stacks = (await ws.listStacks()).map((s) => s.name);
    if (!stacks.includes(stack)) {
        throw new CliError(`no stack "${stack}" here (stacks: ${stacks.join(", ") || "none"}): bring one up with scripts/up.sh ${stack}, or give --stack`);
    }
    const outputs = await ws.stackOutputs(stack);
    const value = <T>(key: string): T | undefined => outputs[key]?.value as T | undefined;
    const details = value<Record<string, Omit<ProjectInfo, "name">>>("projectDetails");
    if (details === undefined) {
        throw new CliError(`stack "${stack}" is not up (it has no outputs): run pulumi up --stack ${stack}`);
    }
    const urls = value<Record<string, { http: string; https: string }>>("urls") ?? {};
    return {
        stack,
        dir,
        projects: Object.entries(details).map(([name, d]) => ({ name, ...d, services: d.services ?? [] })),
        routes: Object.entries(urls).map(([host, u]) => ({ host, http: u.http, https: u.https })),
        caCertificate: value<string>("caCertificate") ?? "",
        clientKeys: value<Record<string, string>>("projectClientKeys") ?? {},
    };
}

/** The named project, or a CliError listing the stack's projects. */
export function findProject(info: StackInfo, name: string): ProjectInfo {
    const project = info.projects.find((p) => p.name === name);
    if (project === undefined) {
        throw new CliError(`stack "${info.stack}" has no project "${name}" (projects: ${info.projects.map((p) => p.name).join(", ") || "none"})`);
    }
    return project;
}

/** The named service, or a CliError listing the project's services. */
export function checkService(project: ProjectInfo, service: string): void {
    if (!project.services.includes(service)) {
        throw new CliError(`project ${project.name} has no service "${service}" (services: ${project.services.join(", ") || "none"})`);
    }
}
