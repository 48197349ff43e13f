// The path-parity rule, for every host path a project's compose model uses:
// each one is mounted into the project's daemon and runner at the same
// absolute path it has on the host, so `./web`, `../src` and `/srv/data` mean
// the same thing to the host, the runner (which reads compose files, env
// files and build contexts) and the daemon (which mounts bind sources).
//
// Paths under another mounted path ride along with it. A missing bind source
// behaves as in plain compose, which creates it as a directory: `pulumi up`
// creates it on the host before mounting it (so the mounts stay the same on
// later runs), and a preview, which changes nothing, shows its nearest
// existing ancestor mounted instead.
// Some paths must never be handed to a project: the host's Docker socket (it
// would give the project the host engine) and system directories that would
// replace the daemon container's own.

import * as path from "path";

/** One host path the compose model references. */
export interface HostPathUse {
    readonly path: string;
    /** False when something may write there (a read-write bind mount). */
    readonly readOnly: boolean;
    /** What uses it, for messages: `bind mount of service web`, `build context of api`... */
    readonly use: string;
    /** A bind-mount source, which compose creates (as a directory) when it is missing. */
    readonly bindSource?: boolean;
}

export interface ParityMount {
    readonly source: string;
    readonly target: string;
    readonly readOnly: boolean;
}

/** Paths that would replace the daemon container's own system, or hand over the host engine. */
const NEVER_EXACT = ["/", "/bin", "/boot", "/certs", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys", "/usr", "/var", "/var/lib", "/var/run"];
const NEVER_UNDER = ["/proc", "/sys", "/dev", "/var/lib/docker", "/run/docker", "/var/run/docker", "/certs"];

/** Why a host path must not be mounted into a project's containers, or undefined when it may be. */
export function refusal(hostPath: string): string | undefined {
    if (path.basename(hostPath) === "docker.sock") {
        return "it is a Docker socket: the project would control the host's engine instead of its own daemon";
    }
    if (NEVER_EXACT.includes(hostPath)) {
        return `mounting ${hostPath} at the same path would replace the daemon container's own ${hostPath}`;
    }
    const under = NEVER_UNDER.find((root) => hostPath.startsWith(`${root}/`));
    if (under !== undefined) {
        return `paths under ${under} belong to the daemon container itself`;
    }
    return undefined;
}

function isUnder(child: string, parent: string): boolean {
    return child === parent || child.startsWith(parent.endsWith("/") ? parent : `${parent}/`);
}

/**
 * The mounts that give daemon and runner every path in `uses` (plus the project
 * directory, read-write) at its host path, and the problems that forbid some.
 * `exists` tells whether a host path exists (injectable for tests).
 */
export function parityMounts(
    projectDir: string,
    uses: readonly HostPathUse[],
    exists: (p: string) => boolean,
    /** Creates a missing bind source as `docker compose up` would; only on `pulumi up`, never on a preview. */
    create?: (p: string) => boolean,
): { mounts: ParityMount[]; problems: string[] } {
    const problems: string[] = [];
    const wanted = new Map<string, boolean>(); // path -> readOnly
    const want = (p: string, readOnly: boolean) => wanted.set(p, (wanted.get(p) ?? true) && readOnly);
    want(projectDir, false);
    for (const use of uses) {
        const p = path.resolve(use.path);
        const why = refusal(p);
        if (why !== undefined) {
            problems.push(`${p} (${use.use}) cannot be shared with the project: ${why}`);
            continue;
        }
        if (use.bindSource && create !== undefined && !exists(p)) {
            create(p);
        }
        let target = p;
        while (!exists(target) && target !== path.dirname(target)) {
            target = path.dirname(target);
        }
        if (target !== p) {
            const whyAncestor = refusal(target);
            if (whyAncestor !== undefined) {
                problems.push(`${p} (${use.use}) does not exist, and its nearest existing directory ${target} cannot be shared: ${whyAncestor}; create ${p} first`);
                continue;
            }
            want(target, false); // the daemon will create the missing part there
            continue;
        }
        want(p, use.readOnly);
    }
    // Shortest first, so a path under an already mounted one with the same or a stricter need is dropped.
    const sorted = [...wanted.entries()].sort(([a], [b]) => a.length - b.length || a.localeCompare(b));
    const mounts: ParityMount[] = [];
    for (const [p, readOnly] of sorted) {
        const covering = mounts.filter((m) => isUnder(p, m.source));
        // The innermost covering mount decides how the path is seen.
        const inner = covering.sort((a, b) => b.source.length - a.source.length)[0];
        if (inner !== undefined && (!inner.readOnly || readOnly)) {
            continue;
        }
        mounts.push({ source: p, target: p, readOnly });
    }
    return { mounts: mounts.sort((a, b) => a.source.localeCompare(b.source)), problems };
}
