import * as assert from "assert";
import { parityMounts, refusal } from "../../lib/pathParity";

const existing = new Set(["/home/me/mono", "/home/me/mono/deploy", "/home/me/mono/src", "/home/me/mono/src/app.env", "/home/me/mono/shared", "/home/me", "/home", "/", "/etc/localtime", "/srv/data"]);
const exists = (p: string) => existing.has(p);

describe("path parity mounts", () => {
    it("mounts every path outside the project at its host path, read-only where the model says so", () => {
        const { mounts, problems } = parityMounts(
            "/home/me/mono/deploy",
            [
                { path: "/home/me/mono/src", readOnly: true, use: "build context of api" },
                { path: "/home/me/mono/src/app.env", readOnly: true, use: "env_file of api" },
                { path: "/home/me/mono/shared", readOnly: true, use: "bind mount of api" },
                { path: "/srv/data", readOnly: false, use: "bind mount of db" },
                { path: "/etc/localtime", readOnly: true, use: "bind mount of api" },
                { path: "/home/me/mono/deploy/web", readOnly: false, use: "bind mount of web" },
            ],
            exists,
        );
        assert.deepStrictEqual(problems, []);
        assert.deepStrictEqual(mounts, [
            { source: "/etc/localtime", target: "/etc/localtime", readOnly: true },
            { source: "/home/me/mono/deploy", target: "/home/me/mono/deploy", readOnly: false },
            { source: "/home/me/mono/shared", target: "/home/me/mono/shared", readOnly: true },
            { source: "/home/me/mono/src", target: "/home/me/mono/src", readOnly: true },
            { source: "/srv/data", target: "/srv/data", readOnly: false },
        ]);
    });

    it("keeps a read-write use writable even when another use of the same path is read-only", () => {
        const { mounts } = parityMounts("/p", [
            { path: "/srv/data", readOnly: true, use: "a" },
            { path: "/srv/data", readOnly: false, use: "b" },
        ], (p) => p === "/srv/data" || p === "/p");
        assert.deepStrictEqual(mounts.find((m) => m.source === "/srv/data"), { source: "/srv/data", target: "/srv/data", readOnly: false });
    });

    it("mounts a writable path under a read-only one on its own", () => {
        const { mounts } = parityMounts("/p", [
            { path: "/home/me/mono", readOnly: true, use: "build context" },
            { path: "/home/me/mono/shared", readOnly: false, use: "bind mount" },
        ], exists);
        assert.deepStrictEqual(mounts.map((m) => [m.source, m.readOnly]), [["/home/me/mono", true], ["/home/me/mono/shared", false], ["/p", false]]);
    });

    it("mounts the nearest existing directory for a source that does not exist yet, as plain compose creates it", () => {
        const { mounts, problems } = parityMounts("/home/me/mono/deploy", [{ path: "/home/me/mono/data/pg", readOnly: false, use: "bind mount of db" }], exists);
        assert.deepStrictEqual(problems, []);
        assert.ok(mounts.some((m) => m.source === "/home/me/mono" && !m.readOnly), JSON.stringify(mounts));
    });

    it("refuses the host's Docker socket and system directories, naming the use", () => {
        const { problems } = parityMounts("/p", [
            { path: "/var/run/docker.sock", readOnly: false, use: "bind mount of portainer" },
            { path: "/proc", readOnly: true, use: "bind mount of cadvisor" },
            { path: "/nonexistent/x", readOnly: false, use: "bind mount of db" },
        ], (p) => p === "/p" || p === "/");
        assert.strictEqual(problems.length, 3, problems.join("\n"));
        assert.match(problems[0], /docker\.sock \(bind mount of portainer\) cannot be shared.*Docker socket/);
        assert.match(problems[1], /\/proc \(bind mount of cadvisor\)/);
        assert.match(problems[2], /nearest existing directory \/ cannot be shared/);
        assert.strictEqual(refusal("/home/me/project"), undefined);
        assert.notStrictEqual(refusal("/var/lib/docker/volumes"), undefined);
    });
});

describe("path parity mounts for missing bind sources", () => {
    it("creates a missing bind source when asked (pulumi up) and mounts it, so later runs mount the same", () => {
        const made = new Set(["/p", "/home/me/mono"]);
        const created: string[] = [];
        const { mounts } = parityMounts(
            "/p",
            [{ path: "/home/me/mono/data", readOnly: false, use: "bind of migrate", bindSource: true }],
            (p) => made.has(p),
            (p) => (created.push(p), made.add(p), true),
        );
        assert.deepStrictEqual(created, ["/home/me/mono/data"]);
        assert.ok(mounts.some((m) => m.source === "/home/me/mono/data" && !m.readOnly), JSON.stringify(mounts));
        assert.ok(!mounts.some((m) => m.source === "/home/me/mono"), "no ancestor mounted once the source exists");
    });
});
