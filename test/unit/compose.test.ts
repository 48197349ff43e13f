import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ComposeError, canonicalJson, findComposeFile, parseComposeText, readComposeProject, servicePorts } from "../../lib/compose";

function tempProject(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dc-compose-"));
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

describe("compose parsing", () => {
    it("reads published ports in short syntax, with host IPs and defaulted variables", () => {
        const ports = servicePorts("web", { ports: ["3000:3000", "127.0.0.1:8080:80", "${WEB_PORT:-9000}:90", "5000", "53:53/udp", 7000] });
        assert.deepStrictEqual(
            ports.map((p) => [p.published, p.target]),
            [
                [3000, 3000],
                [8080, 80],
                [9000, 90],
            ],
        );
    });

    it("reads published ports in long syntax and skips UDP and ranges", () => {
        const ports = servicePorts("web", {
            ports: [
                { target: 80, published: 8080 },
                { target: 81, published: "8081", protocol: "tcp" },
                { target: 53, published: 53, protocol: "udp" },
                { target: 82 },
                "9000-9005:9000-9005",
            ],
        });
        assert.deepStrictEqual(
            ports.map((p) => p.published),
            [8080, 8081],
        );
    });

    it("leaves ports with unresolved variables for compose and does not route them", () => {
        assert.deepStrictEqual(servicePorts("web", { ports: ["${PORT}:80"] }), []);
    });

    it("reports invalid YAML with the file and line", () => {
        assert.throws(
            () => parseComposeText("services:\n  web:\n    image: busybox\n   ports: [\n", "/p/compose.yaml"),
            (err: Error) => err instanceof ComposeError && /^\/p\/compose\.yaml:4:\d+: not valid YAML/.test(err.message),
        );
    });

    it("rejects a compose file without services", () => {
        assert.throws(() => parseComposeText("version: '3'\n", "c.yaml"), /c\.yaml: "services" must be a mapping/);
    });

    it("finds compose files in compose's own order of preference", () => {
        const dir = tempProject({ "docker-compose.yml": "services: {a: {image: x:1}}\n", "compose.yaml": "services: {a: {image: x:1}}\n" });
        assert.strictEqual(findComposeFile(dir), path.join(dir, "compose.yaml"));
        assert.strictEqual(findComposeFile(dir, "docker-compose.yml"), path.join(dir, "docker-compose.yml"));
        assert.strictEqual(findComposeFile(dir, "missing.yml"), undefined);
    });

    it("gives the same digest to the same model however it is formatted", () => {
        const a = tempProject({ "compose.yaml": "services:\n  web:\n    image: busybox:1.37\n    ports: ['80:80']\n" });
        const b = tempProject({ "compose.yaml": "# a comment\nservices: {web: {ports: ['80:80'], image: 'busybox:1.37'}}\n" });
        const pa = readComposeProject(a, path.join(a, "compose.yaml"));
        const pb = readComposeProject(b, path.join(b, "compose.yaml"));
        assert.strictEqual(pa.digest, pb.digest);
        assert.deepStrictEqual(pa.services, ["web"]);
    });

    it("changes the digest when the model or a Dockerfile it builds from changes", () => {
        const files = { "compose.yaml": "services:\n  api:\n    build: {context: ./, dockerfile: api/Dockerfile}\n", "api/Dockerfile": "FROM busybox:1.37\n" };
        const dir = tempProject(files);
        const file = path.join(dir, "compose.yaml");
        const before = readComposeProject(dir, file).digest;
        fs.writeFileSync(path.join(dir, "api/Dockerfile"), "FROM busybox:1.37\nRUN true\n");
        const afterDockerfile = readComposeProject(dir, file).digest;
        fs.writeFileSync(file, files["compose.yaml"] + "    ports: ['3000:3000']\n");
        const afterModel = readComposeProject(dir, file).digest;
        assert.notStrictEqual(before, afterDockerfile);
        assert.notStrictEqual(afterDockerfile, afterModel);
    });

    it("writes canonical JSON with sorted keys at every level", () => {
        assert.strictEqual(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    });
});
