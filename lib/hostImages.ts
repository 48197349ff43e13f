// Image references as the host engine names them, and the host's image IDs.
//
// `docker image ls` prints familiar names (`busybox:1.37`, `ghcr.io/a/b:1`),
// so a configured reference is normalised the same way before it is looked
// up: Docker Hub's domain and its `library/` prefix are dropped and a missing
// tag means `latest`, as Docker itself resolves it.

import { execFileSync } from "child_process";

/** `docker.io/library/busybox` -> `busybox:latest`; `ghcr.io/a/b@sha256:...` stays as it is. */
export function familiarReference(ref: string): string {
    let name = ref;
    let suffix = "";
    const at = name.indexOf("@");
    if (at >= 0) {
        suffix = name.slice(at);
        name = name.slice(0, at);
    } else {
        const slash = name.lastIndexOf("/");
        const colon = name.lastIndexOf(":");
        if (colon > slash) {
            suffix = name.slice(colon);
            name = name.slice(0, colon);
        } else {
            suffix = ":latest";
        }
    }
    for (const prefix of ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]) {
        if (name.startsWith(prefix)) {
            name = name.slice(prefix.length);
        }
    }
    if (name.startsWith("library/") && name.split("/").length === 2) {
        name = name.slice("library/".length);
    }
    return name + suffix;
}

/** Parses `docker image ls --no-trunc --digests --format '{{.Repository}} {{.Tag}} {{.Digest}} {{.ID}}'`. */
export function parseImageList(text: string): Map<string, string> {
    const ids = new Map<string, string>();
    for (const line of text.split("\n")) {
        const [repo, tag, digest, id] = line.trim().split(/\s+/);
        if (!id || repo === "<none>") {
            continue;
        }
        if (tag !== "<none>") {
            ids.set(`${repo}:${tag}`, id);
        }
        if (digest && digest !== "<none>") {
            ids.set(`${repo}@${digest}`, id);
        }
    }
    return ids;
}

/** The host engine's image ID of each reference it has; references it lacks are left out. */
export function hostImageIds(refs: readonly string[]): Record<string, string> {
    if (refs.length === 0) {
        return {};
    }
    const listing = execFileSync("docker", ["image", "ls", "--no-trunc", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}} {{.ID}}"], {
        encoding: "utf8",
        timeout: 30000,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const ids = parseImageList(listing);
    const found: Record<string, string> = {};
    for (const ref of refs) {
        const id = ids.get(familiarReference(ref));
        if (id !== undefined) {
            found[ref] = id;
        }
    }
    return found;
}
