// compose-go, as dind-compose-model links it, reads compose files exactly as
// the runner's own `docker compose` does: the normalised project of each
// fixture equals what `docker compose config --format json` prints in the
// runner image (no network, the fixture mounted read-only).

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadComposeModel } from "../../lib/composeModel";
import * as catalogue from "../../lib/image-versions.json";

const FIXTURES = path.join(__dirname, "..", "fixtures", "compose");
const fixture = (name: string) => fs.realpathSync(path.join(FIXTURES, name));

describe("compose model equals the runner's `docker compose config --format json`", function () {
    const runner = catalogue.runner.tag;

    const cases: { name: string; fixture: string; cwd?: string; args: string[] }[] = [
        { name: "build context ./", fixture: "build-context", args: [] },
        { name: "monorepo with a profile", fixture: "monorepo", cwd: "deploy", args: ["--profile", "tools"] },
        { name: "two -f files", fixture: "override", args: ["-f", "compose.yaml", "-f", "compose.ports.yaml"] },
        { name: "extends, label_file, configs, secrets", fixture: "paths", args: ["-p", "paths"] },
    ];
    for (const c of cases) {
        it(c.name, function () {
            this.timeout(60_000);
            const dir = fixture(c.fixture);
            const cwd = path.join(dir, c.cwd ?? "");
            const printed = execFileSync(
                "docker",
                ["run", "--rm", "--network", "none", "-v", `${dir}:${dir}:ro`, "-w", cwd, "--entrypoint", "docker", runner, "compose", ...c.args, "config", "--format", "json"],
                { encoding: "utf8", timeout: 50_000 },
            );
            const flag = (name: string) => c.args.flatMap((a, i) => (a === name ? [c.args[i + 1]] : []));
            const m = loadComposeModel({ cwd, files: flag("-f"), profiles: flag("--profile"), projectName: flag("-p")[0] });
            assert.deepStrictEqual(m.project, JSON.parse(printed.replace(/\$\$/g, "$")));
        });
    }
});
