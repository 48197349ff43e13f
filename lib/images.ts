// The images the stack runs, from lib/image-versions.json: the single source of their
// versions for the program's defaults, scripts/images.sh, the tests and the
// README. A stack runs the local `tag`s, which scripts/images.sh provides (the
// `official` image retagged when it can be pulled, an equivalent built from
// Debian packages otherwise).

import * as catalogue from "./image-versions.json";

/** The stack's own infrastructure images (configurable under `dind-compose:images`). */
export type InfraImage = "daemon" | "runner" | "proxy" | "registry";

export interface ImageVersion {
    /** Local tag a stack runs by default. */
    readonly tag: string;
    /** The upstream image it is, or is built to be equivalent to. */
    readonly official: string;
}

export const INFRA_IMAGES: readonly InfraImage[] = ["daemon", "runner", "proxy", "registry"];

/** Every image scripts/images.sh provides: the infrastructure plus what the examples run. */
export const IMAGES: Readonly<Record<InfraImage | "busybox", ImageVersion>> = {
    daemon: catalogue.daemon,
    runner: catalogue.runner,
    proxy: catalogue.proxy,
    registry: catalogue.registry,
    busybox: catalogue.busybox,
};

/** Default `dind-compose:images`: the local tags. */
export const DEFAULT_IMAGES: Readonly<Record<InfraImage, string>> = Object.fromEntries(
    INFRA_IMAGES.map((role) => [role, IMAGES[role].tag]),
) as Record<InfraImage, string>;
