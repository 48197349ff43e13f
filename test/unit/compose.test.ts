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

    it("reports an alias to an undefined anchor with its file and line, not a stack trace", () => {
        assert.throws(
            () => parseComposeText("services:\n  web: *nope\n", "/p/compose.yaml"),
            (err: Error) => err instanceof ComposeError && /^\/p\/compose\.yaml:2:8: alias \*nope refers to no anchor &nope defined before it; /.test(err.message),
        );
        assert.throws(
            () => parseComposeText("services:\n  web:\n    <<: *base\n", "/p/compose.yaml"),
            (err: Error) => err instanceof ComposeError && /^\/p\/compose\.yaml:3:9: alias \*base refers to no anchor/.test(err.message),
        );
    });

    it("accepts a file that uses one anchor more than a hundred times", () => {
        const text = "x-base: &base {image: 'busybox:1.37'}\nservices:\n" + Array.from({ length: 150 }, (_, i) => `  s${i}: *base\n`).join("");
        const model = parseComposeText(text, "c.yaml");
        assert.strictEqual(Object.keys(model.services as object).length, 150);
    });

    it("refuses an alias bomb quickly, with a clear message", () => {
        // "Billion laughs": nine levels of ten aliases each stand for 10^9 strings.
        let text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
        for (let i = 1; i <= 9; i++) {
            text += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(",")}]\n`;
        }
        text += "services: {web: {image: 'busybox:1.37', command: *l9}}\n";
        const start = Date.now();
        assert.throws(
            () => parseComposeText(text, "/p/compose.yaml"),
            (err: Error) => err instanceof ComposeError && /^\/p\/compose\.yaml:\d+:\d+: .*alias bomb/.test(err.message),
        );
        assert.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
    });

    it("refuses few aliases of a large anchor whose expansion would exhaust memory", () => {
        const big = "x".repeat(100_000);
        const text = `x-big: &big "${big}"\nservices:\n  web:\n    image: busybox:1.37\n    command: [${Array(2000).fill("*big").join(",")}]\n`;
        assert.throws(
            () => parseComposeText(text, "/p/compose.yaml"),
            (err: Error) => err instanceof ComposeError && /^\/p\/compose\.yaml:5:\d+: .*alias bomb/.test(err.message),
        );
    });

    it("refuses an alias inside the node it refers to", () => {
        assert.throws(
            () => parseComposeText("x: &a [1, *a]\nservices: {web: {image: 'busybox:1.37'}}\n", "/p/compose.yaml"),
            (err: Error) => err instanceof ComposeError && /^\/p\/compose\.yaml:1:11: alias \*a is inside the node &a it refers to/.test(err.message),
        );
    });

    it("turns every other YAML failure into a ComposeError with the file", () => {
        for (const text of [
            "x: &s 1\nservices:\n  web:\n    <<: *s\n", // merge of a scalar
            "services: " + "[".repeat(20000) + "]".repeat(20000) + "\n", // deep nesting
            "services:\n  web: {image: 'busybox:1.37'}\n---\nservices: {}\n", // two documents
        ]) {
            assert.throws(
                () => parseComposeText(text, "/p/compose.yaml"),
                (err: Error) => err instanceof ComposeError && err.message.startsWith("/p/compose.yaml"),
                text.slice(0, 40),
            );
        }
    });

    it("refuses service names compose itself refuses, naming the line", () => {
        assert.throws(
            () => parseComposeText('services:\n  web: {image: "busybox:1.37"}\n  "x;\\n location / {": {image: "busybox:1.37"}\n', "/p/compose.yaml"),
            (err: Error) => err instanceof ComposeError && /^\/p\/compose\.yaml:3:3: service name "x;\\n location \/ \{" is not valid/.test(err.message),
        );
    });

    it("reads ports inherited through a merge key, in short and long syntax", () => {
        const dir = tempProject({
            "compose.yaml":
                "x-short: &short {ports: ['3000:3000']}\nx-long: &long {ports: [{target: 80, published: 8080}]}\n" +
                "services:\n  api:\n    <<: *short\n    image: busybox:1.37\n  web:\n    <<: [*long]\n    image: busybox:1.37\n",
        });
        const project = readComposeProject(dir, path.join(dir, "compose.yaml"));
        assert.deepStrictEqual(
            project.ports.map((p) => [p.service, p.published, p.target]),
            [
                ["api", 3000, 3000],
                ["web", 8080, 80],
            ],
        );
    });

    it("reads protocols case-insensitively, in short and long syntax", () => {
        const ports = servicePorts("web", { ports: ["80:80/TCP", "81:81/Tcp", "53:53/UDP", { target: 82, published: 8082, protocol: "TCP" }, { target: 53, published: 53, protocol: "UDP" }] });
        assert.deepStrictEqual(
            ports.map((p) => p.published),
            [80, 81, 8082],
        );
    });

    it("writes canonical JSON with sorted keys at every level", () => {
        assert.strictEqual(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    });
});
