import * as assert from "assert";
import { LABELS, dockerName, labelsFor, projectNames, stackNames, toLabelList } from "../../lib/names";

describe("names and labels", () => {
    it("derives Docker names from stack and project so stacks do not collide", () => {
        assert.strictEqual(dockerName("dev", "project-a", "daemon"), "dc-dev.project-a.daemon");
        assert.notStrictEqual(dockerName("dev", "project-a", "daemon"), dockerName("e2e", "project-a", "daemon"));
    });

    it("keeps names unambiguous: stack dev-a with project b differs from stack dev with project a-b", () => {
        assert.notStrictEqual(projectNames("dev-a", "b").daemon, projectNames("dev", "a-b").daemon);
        assert.notStrictEqual(projectNames("dev-a", "b").data, projectNames("dev", "a-b").data);
    });

    it("keeps the stack's case, so stacks Dev and dev stay apart", () => {
        assert.notStrictEqual(stackNames("Dev").edge, stackNames("dev").edge);
        assert.strictEqual(stackNames("Dev").proxy, "dc-Dev.proxy");
    });

    it("never gives a project's object the name of one of the stack's own", () => {
        const shared = Object.values(stackNames("dev"));
        for (const project of ["mirror", "proxy", "edge", "mirror-cache"]) {
            for (const name of Object.values(projectNames("dev", project))) {
                assert.ok(!shared.includes(name), `${project}: ${name}`);
            }
        }
    });

    it("drops an organisation prefix and refuses characters Docker names do not allow", () => {
        assert.strictEqual(stackNames("alice/Dev").edge, "dc-Dev.edge");
        assert.throws(() => dockerName("dev stack", "edge"), /Docker names do not allow/);
        assert.throws(() => dockerName("dev", "a.b"), /DNS label/);
    });

    it("labels every object with stack and role, and project when it has one", () => {
        assert.deepStrictEqual(labelsFor("dev", "proxy"), { [LABELS.stack]: "dev", [LABELS.role]: "proxy" });
        assert.strictEqual(labelsFor("dev", "daemon", "project-a")[LABELS.project], "project-a");
    });

    it("lists labels sorted so the provider sees a stable order", () => {
        assert.deepStrictEqual(
            toLabelList({ b: "2", a: "1" }).map((l) => l.label),
            ["a", "b"],
        );
    });
});
