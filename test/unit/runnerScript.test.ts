import * as assert from "assert";
import { execFileSync } from "child_process";
import { renderRunnerScript, shellQuote } from "../../lib/runnerScript";

const script = renderRunnerScript({ project: "project-a", composeFile: "/src/it's here/compose.yaml", daemonSeconds: 90, composeSeconds: 300 });

describe("runner script", () => {
    it("is valid POSIX sh", () => {
        execFileSync("sh", ["-n"], { input: script });
    });

    it("waits for its daemon with a bounded timeout and says so when it gives up", () => {
        assert.match(script, /if \[ "\$waited" -ge 90 \]; then/);
        assert.match(script, /Couldn't connect to the Docker daemon at \$DOCKER_HOST within 90s/);
    });

    it("builds, removes orphans and waits for the services, with the project's name and file", () => {
        assert.match(script, /compose up --detach --build --remove-orphans --wait --wait-timeout 300/);
        assert.ok(script.includes(`--project-name "$project" --file '/src/it'\\''s here/compose.yaml'`));
    });

    it("reports ok only after compose succeeded, and stays up following the logs", () => {
        const up = script.indexOf("compose up --detach");
        assert.ok(script.indexOf("report ok") > up);
        assert.match(script, /compose logs --follow/);
        assert.match(script, /report "failed: docker compose up exited with \$code"/);
    });

    it("quotes shell values safely", () => {
        assert.strictEqual(execFileSync("sh", ["-c", `printf %s ${shellQuote("a'b $HOME")}`]).toString(), "a'b $HOME");
    });
});
