import * as assert from "assert";
import { containerCheckProvider } from "../../components/containerCheck";

describe("container check provider", () => {
    it("checks a new container again, and only words change in place", async () => {
        const base = { containerId: "c1", containerName: "proxy", what: "the stack's proxy", command: ["nginx", "-t", "-q"], timeoutSeconds: 60 };
        assert.strictEqual((await containerCheckProvider.diff!("id", base, { ...base })).changes, false);
        for (const news of [{ ...base, containerId: "c2" }, { ...base, command: ["true"] }]) {
            const diff = await containerCheckProvider.diff!("id", base, news);
            assert.deepStrictEqual([diff.changes, diff.replaces], [true, ["containerId"]]);
        }
        const diff = await containerCheckProvider.diff!("id", base, { ...base, timeoutSeconds: 30 });
        assert.deepStrictEqual([diff.changes, diff.replaces], [true, []]);
    });
});
