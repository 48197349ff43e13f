import * as assert from "assert";
import { imagePreloadProvider } from "../../components/imagePreload";

describe("image preload provider", () => {
    it("plans an update only when the daemon or the wanted images change", async () => {
        const base = { project: "p", daemonId: "d1", images: { "busybox:1.37": "sha256:1" } };
        assert.strictEqual((await imagePreloadProvider.diff!("id", base, { ...base })).changes, false);
        assert.strictEqual((await imagePreloadProvider.diff!("id", base, { ...base, daemonId: "d2" })).changes, true);
        assert.strictEqual((await imagePreloadProvider.diff!("id", base, { ...base, images: { "busybox:1.37": "sha256:2" } })).changes, true);
    });
});
