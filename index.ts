// dind-compose: many docker-compose projects side by side, each in its own
// Docker-in-Docker daemon, behind one nginx front door.
//
// The entry point: it reads and validates the stack configuration (before
// creating anything), then builds the stack from the validated settings
// (components/stack.ts) and returns what a developer needs as the stack's
// outputs.
//
// It is an async function, and loads the rest of the program only after it
// has let the engine start the dynamic-provider host
// (startProviderHostEarly): a request can only go out once the program yields
// to the event loop, and loading the rest is half a second of work that would
// otherwise come first.

import * as pulumi from "@pulumi/pulumi";
import { startProviderHostEarly } from "./components/dynamicResource";
import type { Settings } from "./lib/config";

// Pulumi's runtime maps every stack trace through source maps (source-map-support), and it takes several
// per resource (a debug stack on each of its promises, the resource's source position): 0.3 s of CPU in
// every `pulumi up` of two projects. V8's own traces instead; DIND_COMPOSE_SOURCE_MAPS=1 keeps the mapping
// (TypeScript positions) for debugging this program.
if (process.env.DIND_COMPOSE_SOURCE_MAPS !== "1") {
    delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
}

startProviderHostEarly();

async function loadSettings(): Promise<Settings> {
    const { ConfigError, rawConfig, validateSettings } = await import("./lib/config");
    try {
        // `pulumi up` creates missing bind sources as compose would; a preview changes nothing on the host.
        const options = { createMissingBindSources: !pulumi.runtime.isDryRun() };
        return validateSettings(rawConfig(pulumi.runtime.allConfig()), pulumi.getStack(), process.cwd(), options);
    } catch (err) {
        if (err instanceof ConfigError) {
            // A clean, complete message instead of a stack trace; nothing has been created.
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}

export = async () => {
    // Lets the invoke above go out before the rest of the program loads.
    await new Promise((resolve) => setTimeout(resolve, 1));
    const settings = await loadSettings();
    settings.warnings.forEach((w) => pulumi.log.warn(w));
    const { buildStack } = await import("./components/stack");
    const stack = buildStack(settings);
    return {
        /** Per route host: its http and https URLs. */
        urls: stack.urls,
        /** The stack's local CA certificate: trust it once for HTTPS to every route. */
        caCertificate: stack.caCertificate,
        /** Per project: its containers, services and what a `docker` CLI on the host needs (the key is in projectClientKeys). */
        projectDetails: stack.projectDetails,
        /** Per project: the client key for its daemon (secret). */
        projectClientKeys: stack.projectClientKeys,
        /** Per project: host images loaded into its daemon, with their IDs. */
        preloadedImages: stack.preloadedImages,
        /** Where daemons reach the stack's Docker Hub cache; null when the mirror is off (an undefined output draws a warning on every up). */
        mirrorEndpoint: stack.mirrorEndpoint ?? null,
    };
};
