// The dev-loop benchmark (issue "A fast dev loop"): one generated workload,
// three ways, side by side in one run, printing each figure and each ratio.
//
//   reference  the write-up's pattern as one outer `docker compose`: per
//              project a dind daemon (plain TCP, no TLS) and a compose
//              container driving it, and one nginx routing by host name;
//   floor      a one-resource TypeScript Pulumi program: its no-op `up` is
//              what any Pulumi program pays, with the same CLI and plugins;
//   dind-compose  this program, on its own stack and high ports, mirror off.
//
// The machine's speed drifts by 10-20 % within minutes, so the figures are
// medians of runs taken in turn: cold ups and teardowns in 3 rounds (the
// reference's, then dind-compose's), no-op ups 5 times each (the floor's,
// then dind-compose's). A cold up follows a preview of the empty stack (the
// program's first run in its directory, printed on its own line).
//
// The workload: N projects, each a busybox httpd built from its Dockerfile,
// serving a relative bind mount, publishing 3000. Traffic goes to 127.0.0.1
// only. Everything it creates is removed at the end, also when a step fails.
//
//   npx tsx bench/bench.ts [--projects N] [--scaling] [--profile]
//
// --scaling also times dind-compose's cold up for 1 and 8 projects.
// --profile prints a timeline of each dind-compose step (from its
// OpenTelemetry trace, bench/timeline.ts) and keeps the traces.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGES } from "../lib/images";
import { projectNames } from "../lib/names";
import { get, waitFor } from "../test/support/http";
import { type Timeline, formatTimeline, profiledPulumi } from "./timeline";
import { PulumiWorkspace, copyProgram, must, removeLabelled, repoRoot, run } from "../test/support/pulumiCli";

const OUTER_PROJECT = "dcbench-outer";
const OUTER_PORT = 29180;
const STACK = "bench";
const HTTP = 29080;
const HTTPS = 29443;

const args = process.argv.slice(2);
const projectCount = Number(args[args.indexOf("--projects") + 1] ?? 2) || 2;
const scaling = args.includes("--scaling");
const profile = args.includes("--profile");
const timelines: [string, Timeline][] = [];
let profileDir = "";

/** `pulumi <args>` for a dind-compose step; its seconds. With --profile, its timeline is kept too. */
async function step(ws: PulumiWorkspace, name: string, pulumiArgs: string[]): Promise<number> {
    if (!profile) {
        return ws.mustPulumi(pulumiArgs).seconds;
    }
    const t = profiledPulumi(ws, pulumiArgs, profileDir, name);
    timelines.push([name, t]);
    return t.seconds;
}

const figures: [string, number][] = [];
function record(what: string, seconds: number): number {
    figures.push([what, seconds]);
    console.log(`  ${what.padEnd(44)} ${seconds.toFixed(1)} s`);
    return seconds;
}
const seconds = (started: number) => (Date.now() - started) / 1000;
/** No-op ups are quick and vary from run to run: each side's figure is the median of this many, taken in turn. */
const NOOP_RUNS = 5;
/** Cold ups and teardowns: each figure is the median of this many rounds, the reference and dind-compose in turn. */
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hosts = (n: number) => Array.from({ length: n }, (_, i) => `p${i + 1}`);

/** N compose projects under `dir`: a Dockerfile build, a relative bind mount, port 3000. */
export function generateWorkload(dir: string, n: number): void {
    for (const name of hosts(n)) {
        const p = path.join(dir, name);
        fs.mkdirSync(path.join(p, "www"), { recursive: true });
        fs.writeFileSync(path.join(p, "Dockerfile"), `FROM ${IMAGES.busybox.tag}\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n`);
        fs.writeFileSync(path.join(p, "www", "index.html"), `bench ${name}\n`);
        fs.writeFileSync(
            path.join(p, "compose.yaml"),
            `services:\n  web:\n    build: .\n    ports: ["3000:3000"]\n    volumes: ["./www:/www:ro"]\n    init: true\n`,
        );
    }
}

export async function allAnswer(port: number, names: string[], suffix: string, timeout = 600): Promise<void> {
    await waitFor(`every project on port ${port}`, timeout, async () => {
        for (const name of names) {
            const res = await get(`${name}${suffix}`, { port, timeoutMs: 2000 });
            if (res.status !== 200 || !res.body.includes(`bench ${name}`)) {
                return false;
            }
        }
        return true;
    });
}

/**
 * The reference: the write-up's pattern as one outer compose project. Its
 * daemons get their own tmpfs on /tmp, as ours do, or dind's setup would
 * mount one over the workload (which lives under /tmp).
 */
export function outerCompose(workload: string, n: number, imagesTar: string): string {
    const services: string[] = [];
    const volumes: string[] = [];
    const servers: string[] = [];
    for (const name of hosts(n)) {
        const dir = path.join(workload, name);
        services.push(
            `  dind-${name}:\n    image: ${IMAGES.daemon.tag}\n    privileged: true\n    command: ["dockerd", "--host=tcp://0.0.0.0:2375", "--tls=false"]\n    tmpfs: ["/tmp"]\n` +
                `    volumes: ["${workload}:${workload}", "dind-${name}:/var/lib/docker"]\n`,
            `  compose-${name}:\n    image: ${IMAGES.runner.tag}\n    environment: { DOCKER_HOST: "tcp://dind-${name}:2375" }\n    working_dir: ${dir}\n` +
                `    volumes: ["${workload}:${workload}", "${imagesTar}:/images.tar:ro"]\n` +
                `    entrypoint: ["sh", "-c", "until docker info >/dev/null 2>&1; do sleep 0.2; done; docker load -q -i /images.tar && docker compose up -d --build"]\n`,
        );
        volumes.push(`  dind-${name}:\n`);
        // Through a variable, so nginx resolves the name per request (with the resolver below), not once at its
        // start: a daemon's name may not resolve yet when nginx starts, and nginx then exits.
        servers.push(`server { listen 80; server_name ${name}.localhost; location / { set $upstream dind-${name}; proxy_pass http://$upstream:3000; } }`);
    }
    const conf = path.join(workload, "nginx.conf");
    fs.writeFileSync(conf, `resolver 127.0.0.11 valid=1s;\n${servers.join("\n")}\n`);
    services.push(`  nginx:\n    image: ${IMAGES.proxy.tag}\n    ports: ["127.0.0.1:${OUTER_PORT}:80"]\n    volumes: ["${conf}:/etc/nginx/conf.d/default.conf:ro"]\n`);
    return `name: ${OUTER_PROJECT}\nservices:\n${services.join("")}volumes:\n${volumes.join("")}`;
}

function writeStackConfig(ws: PulumiWorkspace, workload: string, n: number): void {
    const projects = hosts(n).map((name) => `    - name: ${name}\n      path: ${path.join(workload, name)}`).join("\n");
    fs.writeFileSync(
        path.join(ws.dir, `Pulumi.${STACK}.yaml`),
        `config:\n  dind-compose:projects:\n${projects}\n  dind-compose:proxy:\n    httpPort: ${HTTP}\n    httpsPort: ${HTTPS}\n  dind-compose:mirror:\n    enabled: false\n`,
    );
}

function floorProgram(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dcbench-floor\nruntime: nodejs\n");
    fs.writeFileSync(path.join(dir, "index.ts"), 'import * as tls from "@pulumi/tls";\nexport const key = new tls.PrivateKey("k", { algorithm: "ECDSA" }).id;\n');
    fs.copyFileSync(path.join(repoRoot, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.copyFileSync(path.join(repoRoot, "package.json"), path.join(dir, "package.json"));
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
}

function memoryMiB(container: string): number {
    const usage = must("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", container]).stdout.trim().split("/")[0].trim();
    const match = /^([\d.]+)\s*([KMG]i?B)$/.exec(usage);
    if (match === null) {
        return NaN;
    }
    const factor: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1 / 1024, MB: 1, GB: 1024 };
    return Number(match[1]) * (factor[match[2]] ?? NaN);
}

/**
 * The program's first run in a new directory, a preview of the empty stack: like the floor's first up, it is
 * not part of the dev loop (the program is compiled and its dynamic providers serialised into their caches, the
 * build-context cache fills), and a
 * cold up is measured after it, as a developer's cold up after a destroy. Its time is printed all the same.
 */
function firstRun(ws: PulumiWorkspace): void {
    record("first run in a new checkout (preview)", ws.mustPulumi(["preview"]).seconds);
}

async function dindComposeCold(root: string, n: number, label: string): Promise<PulumiWorkspace> {
    const workload = path.join(root, `workload-${n}`);
    generateWorkload(workload, n);
    const dir = path.join(root, `program-${n}`);
    fs.mkdirSync(dir);
    copyProgram(dir);
    const ws = new PulumiWorkspace(dir, STACK);
    ws.initStack();
    writeStackConfig(ws, workload, n);
    firstRun(ws);
    const started = Date.now();
    await step(ws, `cold-${n}`, ["up", "--yes", "--skip-preview"]);
    await allAnswer(HTTP, hosts(n), ".localhost");
    record(label, seconds(started));
    return ws;
}

async function main(): Promise<void> {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dc-bench-")));
    console.log(`dind-compose bench: ${projectCount} projects, ${os.cpus().length} cores, ${new Date().toISOString()} (work in ${root})`);
    if (profile) {
        profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-bench-profile-"));
        console.log(`profile: OpenTelemetry traces in ${profileDir}`);
    }
    const workload = path.join(root, "workload");
    generateWorkload(workload, projectCount);
    const imagesTar = path.join(root, "images.tar");
    must("docker", ["save", "-o", imagesTar, IMAGES.busybox.tag]);
    // The host engine has no compose plugin here: the runner image's (the same compose the runners use) serves.
    const dockerConfig = path.join(root, "docker-config");
    fs.mkdirSync(path.join(dockerConfig, "cli-plugins"), { recursive: true });
    const holder = must("docker", ["create", IMAGES.runner.tag]).stdout.trim();
    must("docker", ["cp", `${holder}:/usr/libexec/docker/cli-plugins/docker-compose`, path.join(dockerConfig, "cli-plugins", "docker-compose")]);
    must("docker", ["rm", holder]);
    const composeEnv = { ...process.env, DOCKER_CONFIG: dockerConfig };
    const outerFile = path.join(root, "outer.compose.yaml");
    fs.writeFileSync(outerFile, outerCompose(workload, projectCount, imagesTar));
    let ws: PulumiWorkspace | undefined;
    let floor: PulumiWorkspace | undefined;
    const extra: PulumiWorkspace[] = [];
    try {
        // The floor's no-op ups run in turn with dind-compose's (below), so that both see the same machine.
        floor = new PulumiWorkspace(path.join(root, "floor"), "floor");
        floorProgram(floor.dir);
        floor.initStack();
        floor.mustPulumi(["up", "--yes", "--skip-preview"]);

        removeLabelled("dind-compose.stack", STACK);
        const dir = path.join(root, "program");
        fs.mkdirSync(dir);
        copyProgram(dir);
        ws = new PulumiWorkspace(dir, STACK);
        ws.initStack();
        writeStackConfig(ws, workload, projectCount);
        firstRun(ws);

        // Cold ups and teardowns in rounds, the reference's and dind-compose's in turn; the last cold up stays
        // for the no-op and edit steps, and its destroy comes at the end.
        const outerColds: number[] = [];
        const outerDowns: number[] = [];
        const colds: number[] = [];
        const destroys: number[] = [];
        let started: number;
        for (let round = 1; round <= ROUNDS; round++) {
            console.log(`round ${round} of ${ROUNDS}:`);
            started = Date.now();
            must("docker", ["compose", "-f", outerFile, "up", "-d"], { timeoutSeconds: 600, env: composeEnv });
            await allAnswer(OUTER_PORT, hosts(projectCount), ".localhost");
            outerColds.push(record("reference cold up, to every URL answering", seconds(started)));
            started = Date.now();
            must("docker", ["compose", "-f", outerFile, "down", "-v"], { timeoutSeconds: 600, env: composeEnv });
            outerDowns.push(record("reference down -v", seconds(started)));
            started = Date.now();
            await step(ws, round === 1 ? "cold" : `cold-round-${round}`, ["up", "--yes", "--skip-preview"]);
            await allAnswer(HTTP, hosts(projectCount), ".localhost");
            colds.push(record("dind-compose cold up, to every URL answering", seconds(started)));
            if (round < ROUNDS) {
                started = Date.now();
                await step(ws, round === 1 ? "destroy" : `destroy-round-${round}`, ["destroy", "--yes", "--skip-preview"]);
                destroys.push(record("dind-compose destroy", seconds(started)));
            }
        }

        console.log("dind-compose, from its last cold up:");
        const floorRuns: number[] = [];
        const noopRuns: number[] = [];
        for (let i = 0; i < NOOP_RUNS; i++) {
            floorRuns.push(floor.mustPulumi(["up", "--yes", "--skip-preview"]).seconds);
            noopRuns.push(await step(ws, i === 0 ? "no-op" : `no-op-${i + 1}`, ["up", "--yes", "--skip-preview"]));
        }
        const noop = record(`no-op up (median of ${NOOP_RUNS})`, median(noopRuns));
        const floorNoop = record(`Pulumi floor no-op up (median of ${NOOP_RUNS}, in turn with the line above)`, median(floorRuns));

        // Edit one project's compose file; time until the change is live. Then the hand re-up it is held to.
        const p1 = path.join(workload, "p1", "compose.yaml");
        fs.appendFileSync(p1, "    environment: [BENCH_EDIT=1]\n");
        started = Date.now();
        await step(ws, "edit", ["up", "--yes", "--skip-preview"]);
        await allAnswer(HTTP, ["p1"], ".localhost");
        const edit = record("edit one compose file -> live", seconds(started));
        const inner = projectNames(STACK, "p1");
        const live = must("docker", ["exec", inner.daemon, "docker", "inspect", "-f", "{{.Config.Env}}", "p1-web-1"]).stdout;
        if (!live.includes("BENCH_EDIT=1")) {
            throw new Error(`the edit is not live after up: ${live}`);
        }
        const hand = record("hand re-up in that daemon (compose up -d --build --force-recreate)", must("docker", ["exec", inner.runner, "docker", "compose", "up", "-d", "--build", "--force-recreate"], { timeoutSeconds: 600 }).seconds);

        const memory = hosts(projectCount).map((name) => {
            const n = projectNames(STACK, name);
            return { daemon: memoryMiB(n.daemon), runner: memoryMiB(n.runner) };
        });

        started = Date.now();
        await step(ws, `destroy-round-${ROUNDS}`, ["destroy", "--yes", "--skip-preview"]);
        destroys.push(record("destroy", seconds(started)));

        console.log(`medians of ${ROUNDS} rounds:`);
        const outerCold = record("reference cold up", median(outerColds));
        const outerDown = record("reference down -v", median(outerDowns));
        const cold = record("dind-compose cold up", median(colds));
        const destroy = record("dind-compose destroy", median(destroys));

        let scale: string[] = [];
        if (scaling) {
            // The reference scales on the same machine too: its 8 / 1 shows what the cores allow.
            console.log("reference scaling (cold up):");
            const outer = [1, 8].map((n) => {
                const w = path.join(root, `outer-workload-${n}`);
                generateWorkload(w, n);
                const file = path.join(root, `outer-${n}.compose.yaml`);
                fs.writeFileSync(file, outerCompose(w, n, imagesTar));
                return { n, file };
            });
            const outerScale: number[] = [];
            for (const { n, file } of outer) {
                started = Date.now();
                must("docker", ["compose", "-f", file, "up", "-d"], { timeoutSeconds: 600, env: composeEnv });
                await allAnswer(OUTER_PORT, hosts(n), ".localhost");
                outerScale.push(record(`reference ${n} project${n === 1 ? "" : "s"} cold`, seconds(started)));
                must("docker", ["compose", "-f", file, "down", "-v"], { timeoutSeconds: 600, env: composeEnv });
            }
            console.log("dind-compose scaling (cold up):");
            const one = await dindComposeCold(root, 1, "1 project cold");
            extra.push(one);
            await step(one, "destroy-1", ["destroy", "--yes", "--skip-preview"]);
            const eight = await dindComposeCold(root, 8, "8 projects cold");
            extra.push(eight);
            await step(eight, "destroy-8", ["destroy", "--yes", "--skip-preview"]);
            const [a, b] = [figures.find((f) => f[0] === "1 project cold")![1], figures.find((f) => f[0] === "8 projects cold")![1]];
            scale = [
                ratioLine("8 projects cold / 1 project cold", b / a, 2.5),
                `  ${"(reference: 8 projects / 1 project".padEnd(44)} ${(outerScale[1] / outerScale[0]).toFixed(2)})`,
            ];
        }

        console.log("\nratios (goal in brackets):");
        for (const line of [
            ratioLine("cold up / reference cold up", cold / outerCold, 1.3),
            ratioLine("no-op up / Pulumi floor", noop / floorNoop, 1.5),
            ratioLine("edit -> live / (floor + 1.5 x hand re-up)", edit / (floorNoop + 1.5 * hand), 1.0),
            ratioLine("destroy / reference down -v", destroy / outerDown, 1.0),
            ...scale,
        ]) {
            console.log(line);
        }
        console.log("\nidle memory per project (MiB, docker stats):");
        memory.forEach((m, i) => console.log(`  p${i + 1}: daemon ${m.daemon.toFixed(1)}, runner ${m.runner.toFixed(1)} [runner goal <= 60]`));
        for (const [name, t] of timelines) {
            console.log(`\nprofile: ${name} (start s, seconds, provider step, resource)`);
            formatTimeline(t).forEach((l) => console.log(l));
        }
    } finally {
        for (const file of [outerFile, path.join(root, "outer-8.compose.yaml")].filter((f) => fs.existsSync(f))) {
            run("docker", ["compose", "-f", file, "down", "-v", "--remove-orphans"], { timeoutSeconds: 300, env: composeEnv });
        }
        for (const w of [ws, floor, ...extra]) {
            w?.destroyQuietly();
        }
        removeLabelled("dind-compose.stack", STACK);
        fs.rmSync(root, { recursive: true, force: true });
    }
}

function ratioLine(what: string, ratio: number, goal: number): string {
    return `  ${what.padEnd(44)} ${ratio.toFixed(2)}  [<= ${goal}] ${ratio <= goal ? "met" : "NOT MET"}`;
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
