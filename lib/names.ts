// Names and labels of every Docker object a stack creates. Names derive from
// the stack and the project so that two stacks (a developer's `dev` and the
// test suite's `e2e`) coexist on one engine without touching each other.

/** Label keys carried by every container, network and volume. */
export const LABELS = {
    stack: "dind-compose.stack",
    project: "dind-compose.project",
    role: "dind-compose.role",
    composeDigest: "dind-compose.compose-digest",
    services: "dind-compose.services",
} as const;

/** What a Docker object is for; the value of the `dind-compose.role` label. */
export type Role = "edge" | "proxy" | "mirror" | "mirror-data" | "daemon" | "daemon-data" | "runner";

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; stack names can hold other characters. */
function sanitize(part: string): string {
    return part.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "");
}

/** `dc-<stack>[-<project>]-<what>`: the Docker name of one object of a stack. */
export function dockerName(stack: string, ...parts: string[]): string {
    return ["dc", stack, ...parts].map(sanitize).filter((p) => p.length > 0).join("-");
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
