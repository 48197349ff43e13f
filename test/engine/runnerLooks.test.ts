// The runner's two looks at a project's containers (lib/runner.sh): the first
// through `docker compose ps`, the second, a quarter second later, through
// `docker inspect` of the containers the first one found. With the script's
// own formats, in the runner image, both print the same line for each
// container: a running service with a health check, a one-shot that exited 0,
// one that exited 3, a plain running one.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as catalogue from "../../lib/image-versions.json";
import { readRunnerScript } from "../../lib/runnerScript";

const PROJECT = "dctest-runner-looks";

/** The value of `name='…'` in the runner script. */
function scriptFormat(name: string): string {
    const match = new RegExp(`^${name}='([^']*)'$`, "m").exec(readRunnerScript());
    assert.ok(match, `no ${name} in lib/runner.sh`);
    return match[1];
}

describe("the runner's second look (docker inspect) says what its first (compose ps) says", function () {
    this.timeout(120_000);
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "dc-looks-")));
    const socket = "/var/run/docker.sock";
    /** A shell command in the runner image, with the project directory and the host engine's socket. */
    const inRunner = (script: string, ...args: string[]) =>
        execFileSync(
            "docker",
            ["run", "--rm", "-v", `${socket}:${socket}`, "-v", `${dir}:${dir}:ro`, "-w", dir, "-e", `COMPOSE_PROJECT_NAME=${PROJECT}`, "--entrypoint", "sh", catalogue.runner.tag, "-c", script, "sh", ...args],
            { encoding: "utf8", timeout: 60_000 },
        );

    before(() => {
        const busybox = catalogue.busybox.tag;
        fs.writeFileSync(
            path.join(dir, "compose.yaml"),
            [
                "services:",
                "  checked:",
                `    image: ${busybox}`,
                '    command: ["sleep", "300"]',
                "    init: true",
                "    healthcheck: { test: [\"CMD\", \"true\"], interval: 300s, start_period: 300s }",
                "  once:",
                `    image: ${busybox}`,
                '    command: ["true"]',
                "  broken:",
                `    image: ${busybox}`,
                '    command: ["sh", "-c", "exit 3"]',
                "  plain:",
                `    image: ${busybox}`,
                '    command: ["sleep", "300"]',
                "    init: true",
                "",
            ].join("\n"),
        );
        inRunner("docker compose up --detach --quiet-pull 2>&1");
    });

    after(() => {
        try {
            inRunner("docker compose down --volumes --timeout 1 2>&1");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("for a healthy-to-be, a running, an exited-0 and an exited-3 service container", () => {
        const ps = scriptFormat("ps_format");
        const inspect = scriptFormat("inspect_format");
        // Both looks in one run, once the one-shots have exited (bounded); the ID column differs in length only.
        const out = inRunner(
            [
                'i=0; until [ "$(docker compose ps --all --status exited -q | wc -l)" -ge 2 ] || [ "$i" -ge 100 ]; do i=$((i + 1)); sleep 0.1; done',
                'docker compose ps --all --format "$1" >/tmp/first',
                "cat /tmp/first",
                "echo ---",
                'docker inspect --format "$2" $(cut -d " " -f 1 /tmp/first)',
            ].join("\n"),
            ps,
            inspect,
        );
        const [first, second] = out.split("---\n").map((part) =>
            part
                .split("\n")
                .filter((l) => l !== "")
                .map((l) => l.slice(l.indexOf(" ") + 1))
                .sort(),
        );
        assert.deepStrictEqual(first, ["broken exited  3", "checked running starting 0", "once exited  0", "plain running  0"]);
        assert.deepStrictEqual(second, first);
    });
});
