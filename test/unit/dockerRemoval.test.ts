import * as assert from "assert";
import { dockerRemovalProvider } from "../../components/dockerRemoval";
import { serializedProvider } from "../support/providerText";

describe("docker removal provider", () => {
    it("serialises the way Pulumi ships a dynamic provider, needing only Node's own modules", async () => {
        const serialized = await serializedProvider(dockerRemovalProvider);
        assert.match(serialized.text, /"rm"/);
        assert.deepStrictEqual(serialized.requires, ["child_process"]);
    });

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
