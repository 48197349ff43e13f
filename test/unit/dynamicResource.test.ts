import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { composeReadinessProvider } from "../../components/composeReadiness";
import { containerCheckProvider } from "../../components/containerCheck";
import { dockerRemovalProvider } from "../../components/dockerRemoval";
import { providerStub } from "../../components/dynamicResource";
import { imagePreloadProvider } from "../../components/imagePreload";

const repoRoot = path.resolve(__dirname, "..", "..");
const providers = {
    ComposeReadiness: { provider: composeReadinessProvider, module: "composeReadiness", exported: "composeReadinessProvider" },
    ContainerCheck: { provider: containerCheckProvider, module: "containerCheck", exported: "containerCheckProvider" },
    DockerRemoval: { provider: dockerRemovalProvider, module: "dockerRemoval", exported: "dockerRemovalProvider" },
    ImagePreload: { provider: imagePreloadProvider, module: "imagePreload", exported: "imagePreloadProvider" },
};

describe("dynamic resources (their providers loaded by reference)", function () {
    this.timeout(120000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "dc-provider-stub-"));
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    /**
     * Runs `stub` as Pulumi's dynamic-provider host does (a module whose handler() returns the provider), in a
     * fresh node with no TypeScript loader, in `cwd`: the provider's method names, or the error it threw.
     */
    const hostLoads = (stub: string, cwd: string): { methods?: string[]; error?: string } => {
        const file = path.join(scratch, `stub-${Math.random().toString(36).slice(2)}.js`);
        fs.writeFileSync(file, stub);
        const script = `
            try {
                const provider = require(${JSON.stringify(file)}).handler();
                console.log(JSON.stringify({ methods: Object.keys(provider).filter((k) => typeof provider[k] === "function").sort() }));
            } catch (err) {
                console.log(JSON.stringify({ error: err.message }));
            }`;
        return JSON.parse(execFileSync("node", ["-e", script], { cwd, encoding: "utf8", timeout: 60000, env: { PATH: process.env.PATH } }));
    };

    for (const [type, { provider, module, exported }] of Object.entries(providers)) {
        const stub = () => providerStub({ file: path.join(repoRoot, "components", `${module}.ts`), exported });

        it(`${type}: the host, started in the program's directory or below it, loads the provider this module exports`, () => {
            const methods = Object.keys(provider).sort();
            assert.deepStrictEqual(hostLoads(stub(), repoRoot), { methods });
            assert.deepStrictEqual(hostLoads(stub(), path.join(repoRoot, "test", "unit")), { methods });
        });

        it(`${type}: the state holds a reference of a few lines, not the provider's code`, () => {
            assert.ok(stub().length < 1500, `stub of ${stub().length} characters`);
            assert.doesNotMatch(stub(), /runCommand|execFile|create|delete/);
            assert.match(stub(), new RegExp(`"components/${module}\\.ts"`));
        });
    }

    it("says where it looked when the host runs outside a dind-compose checkout", () => {
        const stub = providerStub({ file: path.join(repoRoot, "components", "imagePreload.ts"), exported: "imagePreloadProvider" });
        const { error } = hostLoads(stub, scratch);
        assert.match(error ?? "", /no checkout with components\/imagePreload\.ts in .*dc-provider-stub-.* or above it; run pulumi from the dind-compose checkout/);
    });

    it("names the export a checkout lacks (a stack made by another version of the program)", () => {
        const stub = providerStub({ file: path.join(repoRoot, "components", "imagePreload.ts"), exported: "noSuchProvider" });
        assert.match(hostLoads(stub, repoRoot).error ?? "", /components\/imagePreload\.ts in .* exports no noSuchProvider/);
    });

    it("refuses a provider defined outside the checkout (the host could not find it)", () => {
        assert.throws(() => providerStub({ file: path.join(os.tmpdir(), "elsewhere.ts"), exported: "p" }), /must be defined in this checkout/);
    });
});
