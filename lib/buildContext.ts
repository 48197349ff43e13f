// A fingerprint of a build context as `docker build` would send it: every file
// not excluded by the context's .dockerignore (Docker's own matching rules, as
// implemented by @balena/dockerignore), by relative path and content. Editing,
// adding, removing or renaming a file changes it; rewriting a file with the
// same content (an installer run again, a checkout) does not.
//
// Contents are hashed once: a cache keyed by path, size, modification time and
// inode (in $DIND_COMPOSE_HOME/cache) lets later runs read only metadata, which
// keeps large trees fast (see the README for the figure on 20,000 files).

import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { dindComposeHome } from "./home";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const dockerignore: (opts?: { ignorecase?: boolean }) => { add(p: string | string[]): any; ignores(p: string): boolean } = require("@balena/dockerignore");

/** The patterns of `<context>/.dockerignore` (or of `<dockerfile>.dockerignore` next to the Dockerfile, which wins, as BuildKit does). */
export function ignorePatterns(context: string, dockerfile?: string): string[] {
    const candidates = dockerfile !== undefined ? [`${dockerfile}.dockerignore`, path.join(context, ".dockerignore")] : [path.join(context, ".dockerignore")];
    for (const file of candidates) {
        if (fs.existsSync(file)) {
            return fs
                .readFileSync(file, "utf8")
                .split(/\r?\n/)
                .map((l) => l.trim())
                .filter((l) => l !== "" && !l.startsWith("#"));
        }
    }
    return [];
}

interface CachedHash {
    readonly stamp: string;
    readonly sha: string;
}

/** Content hashes of files by absolute path, valid while their stamp (size, mtime, inode) holds. */
class HashCache {
    private entries: Record<string, CachedHash> | undefined;
    private dirty = false;

    constructor(private readonly file: string) {}

    private load(): Record<string, CachedHash> {
        if (this.entries === undefined) {
            try {
                this.entries = JSON.parse(fs.readFileSync(this.file, "utf8"));
            } catch {
                this.entries = {};
            }
        }
        return this.entries!;
    }

    hash(file: string, stat: fs.Stats): string {
        const entries = this.load();
        const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
        const known = entries[file];
        if (known !== undefined && known.stamp === stamp) {
            return known.sha;
        }
        const sha = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        entries[file] = { stamp, sha };
        this.dirty = true;
        return sha;
    }

    save(): void {
        if (!this.dirty) {
            return;
        }
        try {
            fs.mkdirSync(path.dirname(this.file), { recursive: true });
            const tmp = `${this.file}.${process.pid}`;
            fs.writeFileSync(tmp, JSON.stringify(this.entries));
            fs.renameSync(tmp, this.file);
            this.dirty = false;
        } catch {
            // A cache that cannot be written only costs time next run.
        }
    }
}

const cache = new HashCache(path.join(dindComposeHome(), "cache", "context-hashes.json"));

/**
 * sha256 over (relative path, content hash) of every file of `context` that
 * the build would send, or, given `sources` (the COPY/ADD sources of the
 * Dockerfile, see lib/dockerfile.ts), of those files it can read: a path
 * matching a source or lying under one, in Docker's pattern rules.
 */
export function contextFingerprint(context: string, dockerfile?: string, sources?: readonly string[]): string {
    const patterns = ignorePatterns(context, dockerfile);
    const ig = dockerignore({ ignorecase: false }).add(patterns);
    const read = sources !== undefined ? dockerignore({ ignorecase: false }).add([...sources]) : undefined;
    // A directory can be skipped whole only when no exception pattern could bring a file under it back.
    const canPrune = !patterns.some((p) => p.startsWith("!"));
    const hash = createHash("sha256");
    const walk = (dir: string, rel: string) => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
            return; // unreadable: the build will say so
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
            const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                if (canPrune && ig.ignores(relPath)) {
                    continue;
                }
                walk(full, relPath);
                continue;
            }
            if (ig.ignores(relPath) || (read !== undefined && !read.ignores(relPath))) {
                continue;
            }
            try {
                const stat = fs.lstatSync(full);
                const content = entry.isSymbolicLink() ? `link:${fs.readlinkSync(full)}` : stat.isFile() ? cache.hash(full, stat) : "";
                hash.update(`${relPath}\0${content}\n`);
            } catch {
                continue; // gone or unreadable: the build will say so
            }
        }
    };
    walk(context, "");
    cache.save();
    return hash.digest("hex");
}
