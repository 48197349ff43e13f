// Names and labels of every Docker object a stack creates. Names derive from
// the stack and the project so that two stacks (a developer's `dev` and the
// test suite's `e2e`) coexist on one engine without touching each other.
//
// Shape: `dc-<stack>.<project>.<what>` for a project's objects and
// `dc-<stack>.<what>` for the stack's own. Project names are DNS labels and
// roles are fixed words, neither holding a '.', so reading a name from the
// right is unambiguous whatever the stack is called (`dev-a` + `b` and `dev`
// + `a-b` differ), and the stack keeps its case (`Dev` and `dev` differ).

/** Label keys carried by every container, network and volume. */
export const LABELS = {
    stack: "dind-compose.stack",
    project: "dind-compose.project",
    role: "dind-compose.role",
} as const;

/** What a Docker object is for; the value of the `dind-compose.role` label. */
export type Role = "edge" | "proxy" | "mirror" | "mirror-data" | "daemon" | "daemon-data" | "runner";

/**
 * Network aliases the stack's own containers hold on the edge network, and
 * `localhost` (a runner's DOCKER_HOST would point at itself): no project may
 * take these names, since a project's name is its daemon's alias there.
 */
export const RESERVED_PROJECT_NAMES: readonly string[] = ["localhost", "mirror", "proxy"];

/** Network aliases of the stack's shared containers on the edge network. */
export const EDGE_ALIASES = { mirror: "mirror", proxy: "proxy" } as const;

/**
 * The stack part of a name. Pulumi stack names hold [A-Za-z0-9_.-], all of
 * which Docker names allow; an organisation prefix (`alice/dev`) is dropped,
 * as Pulumi itself does for the stack's name.
 */
function stackPart(stack: string): string {
    const name = stack.slice(stack.lastIndexOf("/") + 1);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
        throw new Error(`stack name ${JSON.stringify(stack)} holds characters Docker names do not allow`);
    }
    return name;
}

/** The Docker name of one object of a stack: `dockerName("dev", "project-a", "daemon")` is `dc-dev.project-a.daemon`. */
export function dockerName(stack: string, ...parts: string[]): string {
    for (const part of parts) {
        if (!/^[a-z0-9-]+$/.test(part)) {
            throw new Error(`name part ${JSON.stringify(part)} must be a DNS label`);
        }
    }
    return [`dc-${stackPart(stack)}`, ...parts].join(".");
}

/** Names of one project's objects. */
export function projectNames(stack: string, project: string) {
    return {
        daemon: dockerName(stack, project, "daemon"),
        runner: dockerName(stack, project, "runner"),
        data: dockerName(stack, project, "data"),
        /** The daemon's alias on the edge network (what nginx and the runner dial). */
        alias: project,
    };
}

/** Names of the stack's shared objects. */
export function stackNames(stack: string) {
    return {
        edge: dockerName(stack, "edge"),
        proxy: dockerName(stack, "proxy"),
        mirror: dockerName(stack, "mirror"),
        mirrorCache: dockerName(stack, "mirror-cache"),
    };
}

/** The labels of one object: stack and role always, project when it belongs to one. */
export function labelsFor(stack: string, role: Role, project?: string): Record<string, string> {
    const labels: Record<string, string> = { [LABELS.stack]: stack, [LABELS.role]: role };
    if (project !== undefined) {
        labels[LABELS.project] = project;
    }
    return labels;
}

/** The provider's `{label, value}` list form, sorted so diffs stay stable. */
export function toLabelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.keys(labels)
        .sort()
        .map((label) => ({ label, value: labels[label] }));
}
