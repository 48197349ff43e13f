// The base images a Dockerfile builds FROM, so images the host has can be
// loaded into the project's daemon before compose builds (a build inside the
// daemon cannot pull them offline). Stage names, `scratch` and references
// built from ARGs are not images to load: the daemon resolves those itself.

/** Images named by the FROM lines of a Dockerfile's text. */
export function baseImages(text: string): string[] {
    const stages = new Set<string>();
    const images: string[] = [];
    // Line continuations join a logical line; comments and parser directives are skipped.
    const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
    for (const line of lines) {
        const match = /^\s*FROM\s+(.*)$/i.exec(line);
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
