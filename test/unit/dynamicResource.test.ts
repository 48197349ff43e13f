import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { composeReadinessProvider } from "../../components/composeReadiness";
import { containerCheckProvider } from "../../components/containerCheck";
import { dockerRemovalProvider } from "../../components/dockerRemoval";
import { PROVIDER_CACHE_DIR, cachedProviderText, serializeProvider } from "../../components/dynamicResource";
import { imagePreloadProvider } from "../../components/imagePreload";

const repoRoot = path.resolve(__dirname, "..", "..");
const providers = {
    ComposeReadiness: { provider: composeReadinessProvider, module: "composeReadiness", exported: "composeReadinessProvider" },
    ContainerCheck: { provider: containerCheckProvider, module: "containerCheck", exported: "containerCheckProvider" },
    DockerRemoval: { provider: dockerRemovalProvider, module: "dockerRemoval", exported: "dockerRemovalProvider" },
    ImagePreload: { provider: imagePreloadProvider, module: "imagePreload", exported: "imagePreloadProvider" },
};

describe("dynamic resources (their providers serialised once per source)", function () {
    this.timeout(120000);

    /** The provider's serialised text from a fresh node whose HOME and working directory are `dir`. */
    const serializedIn = (dir: string, module: string, exported: string) => {
        const script = `
            require("tsx/cjs");
            const { serializeProvider } = require(${JSON.stringify(path.join(repoRoot, "components", "dynamicResource.ts"))});
            const provider = require(${JSON.stringify(path.join(repoRoot, "components", `${module}.ts`))}).${exported};
            serializeProvider(provider).then((text) => process.stdout.write(text));`;
        return execFileSync("node", ["-e", script], {
            cwd: dir,
            encoding: "utf8",
            timeout: 60000,
            env: { PATH: process.env.PATH, HOME: dir, DIND_COMPOSE_HOME: path.join(dir, "dc"), NODE_PATH: path.join(repoRoot, "node_modules") },
        });
    };

    for (const [type, { provider, module, exported }] of Object.entries(providers)) {
        it(`${type}: the cached text is the one Pulumi's dynamic.Resource serialises`, async () => {
            const cached = await cachedProviderText(type, provider);
            assert.strictEqual(cached, await serializeProvider(provider));
            assert.ok(fs.readdirSync(PROVIDER_CACHE_DIR).some((f) => f.startsWith(`${type}-`)));
        });

        it(`${type}: its text captures nothing of the environment (another HOME and working directory give the same)`, () => {
            const [one, two] = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), "dc-provider-env-")));
            try {
                const text = serializedIn(one, module, exported);
                assert.match(text, /exports\.handler/);
                assert.strictEqual(serializedIn(two, module, exported), text);
            } finally {
                [one, two].forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
            }
        });
    }

    it("keys the cache by the content of the program's files, so an edit is serialised anew", () => {
        const digest = (extra: string) =>
            execFileSync("node", ["-e", `require("tsx/cjs"); ${extra}; process.stdout.write(require(${JSON.stringify(path.join(repoRoot, "components", "dynamicResource.ts"))}).providerSourceDigest())`], {
                cwd: repoRoot,
                encoding: "utf8",
                timeout: 60000,
            });
        const file = path.join(repoRoot, "lib", `.digest-test-${process.pid}.ts`);
        const before = digest("");
        try {
            fs.writeFileSync(file, "export {};\n");
            assert.notStrictEqual(digest(""), before);
        } finally {
            fs.rmSync(file, { force: true });
        }
        assert.strictEqual(digest(""), before);
    });
});
