// The base of this program's dynamic resources (image preload, compose
// readiness, Docker removals, container checks): a Pulumi dynamic resource
// whose provider is loaded from this checkout by reference, not serialised
// into the state.
//
// Pulumi's dynamic.Resource serialises its provider's code (with everything it
// captures) into the resource's `__provider` input, and the dynamic-provider
// host returns it among the outputs: 5-19 KB of code stored twice for every
// resource. The state is rewritten whole at the start and at the end of every
// step, so that text was about 40 % of what an 8-project stack's checkpoints
// wrote, and serialising cost every run a TypeScript parse. Instead
// `__provider` holds a stub of a few lines naming the module and the export
// that define the provider (the way Python's dynamic providers pickle a
// module's function by reference): the host, which the engine starts in the
// program's directory, finds the checkout from there and loads the provider
// with the program's own TypeScript loader (lib/compiledTs.js).
//
// What this means: a resource is created, updated and deleted by the code of
// the checkout as it is now (a fix applies to existing resources too), and
// each provider must handle the state its earlier versions wrote, as it
// already had to (Pulumi's host hands a changed `__provider` to the new code
// without replacing anything: its diff ignores the key). The stub of a type
// never changes, so editing a provider changes nothing in the state.

import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/**
 * Has the engine start the dynamic-provider host now, while the program is still loading, instead of when
 * the first dynamic resource registers. The engine handles registrations one at a time and waits for a
 * plugin to start (0.2-0.3 s for this node process) before it handles the next one; started early, that
 * wait overlaps the program's own loading instead of holding up every resource registered after it
 * (measured: a no-op `pulumi up` of the dev stack 2.01 -> 1.84 s, paired medians). How: an invoke of the
 * dynamic provider, which the engine serves by starting it; the host answers that it has no such function,
 * which is ignored. The call goes out only once the program yields to the event loop (index.ts does, before
 * loading the rest).
 */
export function startProviderHostEarly(): void {
    pulumi.runtime.invoke("pulumi-nodejs:dynamic:dind-compose-start", {}).catch(() => undefined);
}

const root = path.resolve(__dirname, "..");
/** The module part of every dynamic resource type of this program. */
const MODULE = "dind-compose";

/** Where a provider is defined: a module of this checkout and the name it exports the provider under. */
export interface ProviderSource {
    /** The module's file, e.g. `__filename` of the component defining the provider. */
    readonly file: string;
    /** The export holding the `pulumi.dynamic.ResourceProvider`. */
    readonly exported: string;
}

/**
 * The `__provider` text for a provider defined at `source`: a module whose `handler()` returns that provider,
 * loaded from the checkout holding the host's working directory (or a directory above it). The module's path
 * is relative to the checkout, so copies of the program (the tests' and the bench's) load their own.
 */
export function providerStub(source: ProviderSource): string {
    const module = path.relative(root, source.file).split(path.sep).join("/");
    if (module.startsWith("..") || path.isAbsolute(module)) {
        throw new Error(`a dynamic provider must be defined in this checkout (${root}), not in ${source.file}`);
    }
    return `"use strict";
exports.handler = function () {
    const fs = require("fs");
    const path = require("path");
    const module = ${JSON.stringify(module)};
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, module)) && fs.existsSync(path.join(dir, "lib", "compiledTs.js"))) {
            require(path.join(dir, "lib", "compiledTs.js"));
            const provider = require(path.join(dir, module))[${JSON.stringify(source.exported)}];
            if (provider === undefined) {
                throw new Error(module + " in " + dir + " exports no ${source.exported}: is this the dind-compose checkout the stack was made from?");
            }
            return provider;
        }
        if (dir === path.dirname(dir)) {
            throw new Error("dind-compose: no checkout with " + module + " in " + process.cwd() + " or above it; run pulumi from the dind-compose checkout");
        }
    }
};
`;
}

/** A dynamic resource of type `pulumi-nodejs:dynamic/dind-compose:<type>`, its provider loaded from `source` by reference. */
export abstract class DynamicResource extends pulumi.CustomResource {
    protected constructor(source: ProviderSource, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        if ("__provider" in props) {
            throw new Error("A dynamic resource must not define the __provider key");
        }
        super(`pulumi-nodejs:dynamic/${MODULE}:${type}`, name, { ...props, __provider: providerStub(source) }, opts);
    }
}
