// A project's daemon container as components/daemon.ts runs it (its image,
// Docker's init, the command of lib/daemon.sh), against the real engine:
// containerd is started first and dockerd runs on it; SIGTERM stops dockerd
// first, whose containers get their own SIGTERM, then containerd, and the
// container exits 0; the project's containers are still there after a
// restart; and containerd dying ends the container, so its restart policy
// starts both again. Plain TCP, no TLS: the TLS flags are the graph test's.

import * as assert from "assert";
import { daemonCommand } from "../../components/daemon";
import { IMAGES } from "../../lib/images";
import { must, run } from "../support/pulumiCli";

const id = `dc-daemon-test-${process.pid}`;
const LABEL = "dind-compose.daemon-test";
/** What lib/daemon.sh passes to dockerd: the local socket only (the TLS material is not there). */
const command = () => daemonCommand().filter((a) => !a.startsWith("--host=tcp") && !a.startsWith("--tls"));

function cleanUp(): void {
    run("docker", ["rm", "-f", "-v", id]);
    run("docker", ["volume", "rm", `${id}-data`]);
}

async function answers(seconds: number): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while (run("docker", ["exec", id, "docker", "version"]).code !== 0) {
        assert.ok(Date.now() < deadline, `the daemon did not answer within ${seconds} s:\n${run("docker", ["logs", id]).stderr.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/** Processes in the daemon container, from /proc: pid, parent pid, command line. */
function processes(): { pid: number; ppid: number; args: string }[] {
    const out = must("docker", ["exec", id, "sh", "-c", 'for p in /proc/[0-9]*; do echo "$(cut -d" " -f1,4 $p/stat) $(tr "\\0" " " <$p/cmdline | head -c 200)"; done']).stdout;
    return out
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => {
            const [pid, ppid, ...args] = l.split(" ");
            return { pid: Number(pid), ppid: Number(ppid), args: args.join(" ") };
        });
}

describe("the daemon container (lib/daemon.sh) against the real engine", function () {
    this.timeout(180000);
    before(() => {
        cleanUp();
        must("docker", ["volume", "create", "--label", LABEL, `${id}-data`]);
        must("docker", [
            "run", "-d", "--name", id, "--label", LABEL, "--privileged", "--init",
            "-e", "DOCKER_TLS_CERTDIR=", "-v", `${id}-data:/var/lib/docker`,
            "--tmpfs", "/tmp", "--tmpfs", "/run:exec,mode=755",
            IMAGES.daemon.tag, ...command(),
        ]);
    });
    after(cleanUp);

    it("starts containerd, then dockerd on that containerd instead of one of its own", async () => {
        await answers(60);
        const ps = processes();
        const dockerd = ps.find((p) => p.args.startsWith("dockerd "));
        const containerd = ps.find((p) => p.args.startsWith("containerd "));
        assert.ok(dockerd && containerd, `dockerd and containerd are not both running:\n${ps.map((p) => p.args).join("\n")}`);
        assert.match(dockerd.args, /--containerd=\/var\/run\/docker\/containerd\/containerd\.sock/);
        assert.notStrictEqual(containerd.ppid, dockerd.pid, "containerd is dockerd's own");
        assert.doesNotMatch(must("docker", ["logs", id]).stderr, /starting managed containerd/);
    });

    it("stops on SIGTERM promptly and in order: the project's containers get SIGTERM, containerd stops last, exit 0", async () => {
        await answers(60);
        must("sh", ["-c", `docker save ${IMAGES.busybox.tag} | docker exec -i ${id} docker load -q`]);
        must("docker", ["exec", id, "docker", "run", "-d", "--name", "inner", IMAGES.busybox.tag, "sh", "-c", 'trap "echo got SIGTERM; exit 0" TERM; while :; do sleep 0.1; done']);
        const started = Date.now();
        must("docker", ["stop", "--time", "30", id]);
        const took = Date.now() - started;
        assert.strictEqual(must("docker", ["inspect", "-f", "{{.State.ExitCode}}", id]).stdout.trim(), "0");
        assert.ok(took < 10000, `docker stop took ${took} ms`);
        const logs = must("docker", ["logs", id]).stderr;
        const dockerdDone = logs.indexOf("Daemon shutdown complete");
        const containerdDone = logs.indexOf("dind-compose: containerd ended (exit status 0)");
        assert.ok(dockerdDone >= 0 && containerdDone > dockerdDone, `dockerd did not stop before containerd:\n${logs.slice(-3000)}`);

        // Started again on the same data, the project's container is there, and it had stopped gracefully.
        must("docker", ["start", id]);
        await answers(60);
        assert.match(must("docker", ["exec", id, "docker", "ps", "-a", "--format", "{{.Names}} {{.Status}}"]).stdout, /^inner Exited \(0\)/m);
        assert.match(must("docker", ["exec", id, "docker", "logs", "inner"]).stdout, /got SIGTERM/);
    });

    it("exits with a failure when containerd dies, so its restart policy starts both again", async () => {
        await answers(60);
        const containerd = processes().find((p) => p.args.startsWith("containerd "))!;
        must("docker", ["exec", id, "sh", "-c", `kill -9 ${containerd.pid}`]);
        const deadline = Date.now() + 30000;
        while (must("docker", ["inspect", "-f", "{{.State.Running}}", id]).stdout.trim() === "true") {
            assert.ok(Date.now() < deadline, "the container still runs 30 s after containerd died");
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.notStrictEqual(must("docker", ["inspect", "-f", "{{.State.ExitCode}}", id]).stdout.trim(), "0");
        assert.match(must("docker", ["logs", id]).stderr, /dind-compose: containerd ended/);
    });
});
