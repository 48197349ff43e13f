// Compose compatibility on the real engine: real-world layouts run
// unmodified. Two fixture projects (test/fixtures/projects) side by side in
// stack `compat`: the write-up's sample (a build with context ./ and its
// Dockerfile in a subdirectory, a one-shot installer on a relative bind mount,
// an untagged image on port 80) and a monorepo (compose file in deploy/,
// building from ../src, env_file and bind mounts from siblings, `.env`
// interpolation, a one-shot migration gating the api, a profile-only tool,
// an image named for another registry). Also: projects calling each other
// through the stack's URLs, and changes to what compose reads showing in the
// preview. Own backend, own ports, no mirror (no traffic leaves the machine);
// everything is torn down even when a step fails.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { IMAGES } from "../../lib/images";
import { projectNames } from "../../lib/names";
import { get, portIsFree, waitFor } from "../support/http";
import { PulumiWorkspace, cleanUpStack, copyProgram, must, removeLabelled, repoRoot, run } from "../support/pulumiCli";

const STACK = "compat";
const STACK_LABEL = "dind-compose.stack";
const HTTP = 28080;
const HTTPS = 28443;
/** Host images the fixtures name, an untagged one and one of another registry, as tags of local images (the tool: Debian, with openssl). */
const HOST_IMAGES: Record<string, string> = { "dind-compose-test/httpd:latest": IMAGES.busybox.tag, "ghcr.io/dind-compose-test/tool:1": IMAGES.runner.tag };
const HOST_TAGS = Object.keys(HOST_IMAGES);

const timings: Record<string, number> = {};

describe("compose compatibility: real layouts run unmodified", function () {
    this.timeout(30 * 60 * 1000);

    let dir: string;
    let ws: PulumiWorkspace;
    const fixture = (...parts: string[]) => path.join(dir, "fixtures", ...parts);
    const names = (project: string) => projectNames(STACK, project);
    /** Runs `args` with the docker CLI inside a project's daemon container (its own engine). */
    const inner = (project: string, args: string[]) => must("docker", ["exec", names(project).daemon, "docker", ...args], { timeoutSeconds: 60 });
    const body = async (host: string, p = "/") => (await get(host, { port: HTTP, path: p })).body;

    function writeConfig(): void {
        const file = path.join(dir, `Pulumi.${STACK}.yaml`);
        const doc = fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8")) ?? {} : {};
        doc.config = {
            "dind-compose:projects": [
                { name: "writeup", path: "./fixtures/writeup" },
                { name: "monorepo", path: "./fixtures/monorepo/deploy", trustStackCa: true },
            ],
            "dind-compose:proxy": { httpPort: HTTP, httpsPort: HTTPS },
            "dind-compose:mirror": { enabled: false },
            "dind-compose:timeouts": { daemonSeconds: 60, composeSeconds: 120 },
        };
        fs.writeFileSync(file, YAML.stringify(doc));
    }

    function up(label: string): void {
        timings[label] = ws.mustPulumi(["up", "--yes", "--skip-preview"]).seconds;
    }

    /** Non-"same" steps of a preview, by resource name. */
    function plannedChanges(): string[] {
        const result = ws.pulumi(["preview", "--json"]);
        assert.strictEqual(result.code, 0, `preview failed:\n${result.stderr}\n${result.stdout.slice(-3000)}`);
        const steps: { op: string; urn: string }[] = JSON.parse(result.stdout).steps ?? [];
        return steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => `${s.op} ${s.urn.split("::").pop()}`);
    }

    before(async () => {
        for (const port of [HTTP, HTTPS]) {
            assert.ok(await portIsFree(port), `host port ${port}, which the compat stack needs, is already in use on 127.0.0.1`);
        }
        for (const [tag, image] of Object.entries(HOST_IMAGES)) {
            must("docker", ["tag", image, tag]);
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-compat-"));
        copyProgram(dir);
        fs.cpSync(path.join(repoRoot, "test/fixtures/projects"), path.join(dir, "fixtures"), { recursive: true });
        removeLabelled(STACK_LABEL, STACK);
        ws = new PulumiWorkspace(dir, STACK);
        ws.initStack();
        writeConfig();
    });

    after(function () {
        this.timeout(15 * 60 * 1000);
        cleanUpStack(ws, STACK_LABEL, STACK);
        run("docker", ["rmi", ...HOST_TAGS]);
        console.log("\n      timings (seconds):");
        for (const [what, seconds] of Object.entries(timings)) {
            console.log(`        ${what.padEnd(34)} ${seconds.toFixed(1)}`);
        }
    });

    it("comes up from empty, one-shot services counting as done, and routes every published port", async () => {
        up("cold up");
        assert.ok((await body("backend.writeup.localhost")).includes("writeup backend"), "build with context ./ and backend/Dockerfile");
        assert.ok((await body("front.writeup.localhost")).includes("writeup front"), "untagged image on port 80 serving a relative bind mount");
        assert.ok((await body("monorepo.localhost")).includes("monorepo api v1"), "port from .env, build from ../src");
    });

    it("runs one-shot services to completion, writing through relative and sibling bind mounts to the host", async () => {
        assert.strictEqual(fs.readFileSync(fixture("writeup", "web", "node_modules", ".installed"), "utf8").trim(), "installed");
        // ../data did not exist: as with plain compose, it was created, on the host.
        assert.strictEqual(fs.readFileSync(fixture("monorepo", "data", "migrated"), "utf8").trim(), "migrated");
        const about = await body("monorepo.localhost", "/cgi-bin/about");
        assert.match(about, /^greeting=hello-from-app-env$/m, "env_file from ../src");
        assert.match(about, /^motd=motd from \.\.\/shared$/m, "read-only bind mount of ../shared");
        assert.match(about, /^migration=migrated$/m, "the api started after the migration completed");
        const states = inner("monorepo", ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]).stdout;
        assert.match(states, /monorepo-migrate-1 Exited \(0\)/);
        assert.match(states, /monorepo-registry-tool-1 Exited \(0\)/);
        assert.doesNotMatch(states, /tools-1/, "a profile-only service does not start without its profile");
    });

    it("gives each daemon the host's images compose needs, of any registry, tagged or not, with the host's image IDs", () => {
        for (const [project, ref] of [["writeup", "dind-compose-test/httpd:latest"], ["monorepo", "ghcr.io/dind-compose-test/tool:1"], ["monorepo", IMAGES.busybox.tag]]) {
            const hostId = must("docker", ["image", "inspect", "--format", "{{.Id}}", ref]).stdout.trim();
            assert.strictEqual(inner(project, ["image", "inspect", "--format", "{{.Id}}", ref]).stdout.trim(), hostId, `${project}: ${ref}`);
        }
    });

    it("lets a project call another through the stack's URL, unchanged, from inside its containers", () => {
        const urls = JSON.parse(ws.mustPulumi(["stack", "output", "urls", "--json"]).stdout);
        const url = urls["monorepo.localhost"].http as string;
        assert.strictEqual(url, `http://monorepo.localhost:${HTTP}/`);
        const fetched = inner("writeup", ["exec", "writeup-front-1", "wget", "-qO-", url]).stdout;
        assert.ok(fetched.includes("monorepo api v1"), fetched);
    });

    it("hands the stack CA to a project that opts in (trustStackCa), so OpenSSL clients inside verify the stack's HTTPS", () => {
        const verify = inner("monorepo", [
            "exec",
            "monorepo-client-1",
            "sh",
            "-c",
            `openssl s_client -connect monorepo.localhost:${HTTPS} -servername monorepo.localhost -verify_return_error </dev/null 2>&1`,
        ]).stdout;
        assert.match(verify, /Verify return code: 0 \(ok\)/, verify);
        assert.strictEqual(inner("monorepo", ["exec", "monorepo-client-1", "printenv", "NODE_EXTRA_CA_CERTS"]).stdout.trim(), "/etc/ssl/certs/dind-compose-ca.pem");
        assert.notStrictEqual(run("docker", ["exec", names("writeup").daemon, "docker", "exec", "writeup-front-1", "ls", "/etc/ssl/certs/dind-compose-ca.pem"]).code, 0, "a project that does not opt in gets nothing");
    });

    it("is idempotent: a preview right after up plans nothing", () => {
        timings["no-op preview"] = ws.mustPulumi(["preview", "--expect-no-changes"]).seconds;
    });

    it("plans an env_file edit as a change to that project's runner only, and makes it live", async () => {
        fs.writeFileSync(fixture("monorepo", "src", "app.env"), "GREETING=hello-again\n");
        const changes = plannedChanges();
        assert.ok(changes.length > 0, "the env_file edit must show in the preview");
        for (const change of changes) {
            assert.match(change, / monorepo-runner-(container|ready)$/, `unexpected: ${change}`);
        }
        up("up after an env_file edit");
        assert.match(await body("monorepo.localhost", "/cgi-bin/about"), /^greeting=hello-again$/m);
    });

    it("plans a source edit in a build context as a rebuild of that project, and serves the new build", async () => {
        fs.writeFileSync(fixture("monorepo", "src", "www", "index.html"), "<h1>monorepo api v2</h1>\n");
        const changes = plannedChanges();
        // The readiness check carries the digest (build contexts included); its update has the runner rebuild.
        assert.deepStrictEqual(changes, ["update monorepo-runner-ready"]);
        up("up after a build-context edit");
        assert.ok((await body("monorepo.localhost")).includes("monorepo api v2"));
        ws.mustPulumi(["preview", "--expect-no-changes"]);
    });

    it("fails pulumi up naming the project and the service when a one-shot exits non-zero, and recovers once fixed", async () => {
        const compose = fixture("writeup", "compose.yaml");
        const good = fs.readFileSync(compose, "utf8");
        fs.writeFileSync(compose, `${good}  seed:\n    image: busybox:1.37\n    command: ["sh", "-c", "echo seeding failed >&2; exit 3"]\n`);
        const failed = ws.pulumi(["up", "--yes", "--skip-preview"]);
        const output = failed.stdout + failed.stderr;
        assert.notStrictEqual(failed.code, 0, "pulumi up must fail");
        assert.match(output, /project writeup: .*service seed exited with code 3/);
        timings["failing up (one-shot exits 3)"] = failed.seconds;
        assert.ok((await body("monorepo.localhost")).includes("monorepo api v2"), "the other project keeps serving");
        fs.writeFileSync(compose, good);
        up("up recovering");
        assert.ok((await body("front.writeup.localhost")).includes("writeup front"));
    });

    it("tears down clean", () => {
        timings["destroy"] = ws.mustPulumi(["destroy", "--yes", "--skip-preview"]).seconds;
        assert.strictEqual(must("docker", ["ps", "-aq", "--filter", `label=${STACK_LABEL}=${STACK}`]).stdout.trim(), "");
        assert.strictEqual(must("docker", ["volume", "ls", "-q", "--filter", `label=${STACK_LABEL}=${STACK}`]).stdout.trim(), "");
    });
});
