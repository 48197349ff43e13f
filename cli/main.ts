// `dind-compose`: the day-to-day commands for a stack `pulumi up` brought up
// (status, logs, exec, compose, env, trust, open). It reads the stack through
// Pulumi's Automation API and reaches a project's compose through its runner
// container, which holds the project's client certificate, compose files,
// profiles and environment. Errors are one line saying what and what to do.

import { spawn, spawnSync } from "child_process";
import * as os from "os";
import { dindComposeHome } from "../lib/home";
import { HELP, UsageError, parseCommand, type Command } from "./args";
import { writeDockerEnv } from "./dockerEnv";
import { CliError, checkService, findProject, readStack, type StackInfo } from "./stackInfo";
import { formatStatus, gatherStatus } from "./status";
import { checkTrust, formatTrust, installTrust, removeTrust, trustStores } from "./trust";

/** `docker exec` into the project's runner: interactive (-t) when both ends are terminals. */
function runnerExec(runner: string, inner: string[], interactive: boolean): Promise<number> {
    const tty = interactive && process.stdin.isTTY === true && process.stdout.isTTY === true;
    const args = ["exec", "-i", ...(tty ? ["-t"] : []), runner, ...inner];
    return new Promise((resolve) => {
        const child = spawn("docker", args, { stdio: "inherit" });
        // The terminal's Ctrl-C reaches docker (same process group); pass on a TERM sent to us.
        const forward = () => child.kill("SIGTERM");
        process.on("SIGTERM", forward);
        child.on("error", (err) => {
            console.error(`dind-compose: could not run docker: ${err.message}`);
            resolve(127);
        });
        child.on("close", (code, signal) => {
            process.off("SIGTERM", forward);
            resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1));
        });
    });
}

/** The runner must be running for anything that goes through it. */
function requireRunner(info: StackInfo, runner: string, project: string): void {
    const state = spawnSync("docker", ["inspect", "--format", "{{.State.Status}}", runner], { encoding: "utf8" });
    const status = state.status === 0 ? state.stdout.trim() : "missing";
    if (status !== "running") {
        throw new CliError(`project ${project}'s runner ${runner} is ${status}: run pulumi up --stack ${info.stack}`);
    }
}

async function main(argv: string[]): Promise<number> {
    const command: Command = parseCommand(argv);
    if (command.name === "help") {
        console.log(HELP[command.topic ?? "main"]);
        return 0;
    }
    const info = await readStack(command.cwd, command.stack);
    switch (command.name) {
        case "status": {
            const report = await gatherStatus(info);
            console.log(command.json ? JSON.stringify(report, null, 2) : formatStatus(report));
            return report.healthy ? 0 : 1;
        }
        case "logs": {
            const project = findProject(info, command.project);
            command.services.forEach((s) => checkService(project, s));
            requireRunner(info, project.runnerContainer, project.name);
            const args = ["docker", "compose", "logs", ...(command.follow ? ["--follow"] : []), ...(command.since ? ["--since", command.since] : []), ...(command.tail ? ["--tail", command.tail] : []), ...command.services];
            return runnerExec(project.runnerContainer, args, false);
        }
        case "exec": {
            const project = findProject(info, command.project);
            checkService(project, command.service);
            requireRunner(info, project.runnerContainer, project.name);
            const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
            const inner = command.command.length > 0 ? command.command : ["sh"];
            return runnerExec(project.runnerContainer, ["docker", "compose", "exec", ...(tty ? [] : ["-T"]), command.service, ...inner], true);
        }
        case "compose": {
            const project = findProject(info, command.project);
            requireRunner(info, project.runnerContainer, project.name);
            return runnerExec(project.runnerContainer, ["docker", "compose", ...command.args], true);
        }
        case "env": {
            const project = findProject(info, command.project);
            process.stdout.write(writeDockerEnv(dindComposeHome(), info.stack, project, info.clientKeys[project.name]));
            return 0;
        }
        case "trust": {
            const stores = trustStores();
            const lines = command.check ? checkTrust(stores, info.stack, info.caCertificate) : installTrust(stores, info.stack, info.caCertificate);
            console.log(formatTrust(lines));
            return lines.every((l) => l.ok) ? 0 : 1;
        }
        case "untrust": {
            const lines = removeTrust(trustStores(), info.stack);
            console.log(formatTrust(lines));
            return lines.every((l) => l.ok) ? 0 : 1;
        }
        case "open": {
            const byHost = info.routes.find((r) => r.host === command.route);
            const project = info.projects.find((p) => p.name === command.route);
            let route = byHost;
            if (route === undefined && project !== undefined) {
                const own = info.routes.filter((r) => r.host === `${project.name}` || r.host.startsWith(`${project.name}.`) || r.host.includes(`.${project.name}.`));
                if (own.length === 1) route = own[0];
            }
            if (route === undefined) {
                throw new CliError(`stack "${info.stack}" has no route "${command.route}" (routes: ${info.routes.map((r) => r.host).join(", ") || "none"})`);
            }
            console.log(route.https);
            if (!command.print) openUrl(route.https);
            return 0;
        }
    }
}

/** Opens the URL with the desktop's opener, when there is a desktop; never fails the command. */
function openUrl(url: string): void {
    const opener = process.platform === "darwin" ? "open" : process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? "xdg-open" : undefined;
    if (opener === undefined) {
        return;
    }
    const child = spawn(opener, [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
        if (err instanceof UsageError || err instanceof CliError) {
            console.error(`dind-compose: ${err.message}`);
            process.exit(2);
        }
        // Automation API errors carry pulumi's whole output: its last line says what went wrong.
        const message = String(err?.message ?? err).trim().split("\n").filter((l) => l.trim() !== "").pop() ?? String(err);
        console.error(`dind-compose: ${message}`);
        process.exit(1);
    },
);

