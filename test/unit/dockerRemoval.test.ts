import * as assert from "assert";
import { dockerRemovalProvider } from "../../components/dockerRemoval";

describe("docker removal provider", () => {
    it("never plans a replacement, which would remove the object under the containers using it", async () => {
        const base = { kind: "volume", objectName: "v1" };
        assert.deepStrictEqual(await dockerRemovalProvider.diff!("id", base, { ...base }), { changes: false, replaces: [], deleteBeforeReplace: false });
        // The containers it force-removes are recorded too: a delete reads the stored outputs.
        for (const news of [{ ...base, objectName: "v2" }, { ...base, kind: "network" }, { ...base, containers: ["d1"] }]) {
            const diff = await dockerRemovalProvider.diff!("id", base, news);
            assert.strictEqual(diff.changes, true);
            assert.deepStrictEqual(diff.replaces, []);
        }
    });
});
