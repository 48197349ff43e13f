// What a Dockerfile reads: the base images it builds FROM, so images the host
// has can be loaded into the project's daemon before compose builds (a build
// inside the daemon cannot pull them offline), and the build-context paths
// its COPY and ADD instructions take, so a change elsewhere in the context (a
// one-shot installer writing node_modules next to the Dockerfile, say) is not
// planned as a rebuild. Where the Dockerfile's reads cannot be told for sure
// (a source built from a variable, a RUN bind mount of the context, a custom
// escape character), the whole context counts.

/** Logical lines: continuations joined, comments and blank lines dropped. */
function instructions(text: string): string[] {
    return text
        .replace(/\\\r?\n/g, " ")
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Images named by the FROM lines of a Dockerfile's text. Stage names, `scratch` and ARG-built references are left out. */
export function baseImages(text: string): string[] {
    const stages = new Set<string>();
    const images: string[] = [];
    for (const line of instructions(text)) {
        const match = /^FROM\s+(.*)$/i.exec(line);
        if (match === null) {
            continue;
        }
        const words = match[1].trim().split(/\s+/).filter((w) => !w.startsWith("--"));
        const [image, as, stage] = words;
        if (image === undefined) {
            continue;
        }
        if (as !== undefined && as.toLowerCase() === "as" && stage !== undefined) {
            stages.add(stage.toLowerCase());
        }
        if (image.includes("$") || image.toLowerCase() === "scratch" || stages.has(image.toLowerCase()) || images.includes(image)) {
            continue;
        }
        images.push(image);
    }
    return images;
}

/** Splits an instruction's arguments into flags (`--from=x`) and the rest, in shell or JSON form. */
function splitArguments(rest: string): { flags: string[]; args: string[] } | undefined {
    const flags: string[] = [];
    let remaining = rest.trim();
    for (;;) {
        const flag = /^(--\S+)\s*/.exec(remaining);
        if (flag === null) {
            break;
        }
        flags.push(flag[1]);
        remaining = remaining.slice(flag[0].length);
    }
    if (remaining.startsWith("[")) {
        try {
            const parsed = JSON.parse(remaining);
            return Array.isArray(parsed) && parsed.every((a) => typeof a === "string") ? { flags, args: parsed } : undefined;
        } catch {
            return undefined;
        }
    }
    return { flags, args: remaining.split(/\s+/).filter((a) => a !== "") };
}

/** Whether a RUN flag mounts the build context: `--mount` of type bind (the default) without `from=`. */
function bindsContext(flag: string): boolean {
    if (!flag.startsWith("--mount=")) {
        return false;
    }
    const options = new Map(
        flag
            .slice("--mount=".length)
            .split(",")
            .map((kv) => {
                const eq = kv.indexOf("=");
                return (eq < 0 ? [kv, ""] : [kv.slice(0, eq), kv.slice(eq + 1)]) as [string, string];
            }),
    );
    return (options.get("type") ?? "bind") === "bind" && !options.has("from");
}

/**
 * The build-context paths (relative, in .dockerignore pattern syntax) that
 * COPY and ADD read, or `undefined` when the whole context must count.
 * `COPY --from`, heredocs and remote ADD sources read nothing from the context.
 */
export function contextSources(text: string): string[] | undefined {
    if (/^#\s*escape\s*=/im.test(text)) {
        return undefined;
    }
    const sources = new Set<string>();
    for (const line of instructions(text)) {
        const match = /^(COPY|ADD|RUN)\s+(.*)$/i.exec(line);
        if (match === null) {
            continue;
        }
        const instruction = match[1].toUpperCase();
        const split = splitArguments(match[2]);
        if (split === undefined) {
            return undefined;
        }
        if (instruction === "RUN") {
            if (split.flags.some(bindsContext)) {
                return undefined;
            }
            continue;
        }
        if (split.flags.some((f) => f.startsWith("--from="))) {
            continue;
        }
        for (const source of split.args.slice(0, -1)) {
            if (source.startsWith("<<") || /^(https?:\/\/|git@|git:\/\/)/.test(source)) {
                continue;
            }
            if (source.includes("$")) {
                return undefined;
            }
            const relative = source.replace(/^(\.?\/)+/, "").replace(/\/+$/, "");
            if (relative === "" || relative === ".") {
                return undefined;
            }
            sources.add(relative);
        }
    }
    return [...sources].sort();
}
