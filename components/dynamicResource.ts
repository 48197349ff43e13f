// The base of this program's dynamic resources (image preload, compose
// readiness, Docker removals, container checks): a Pulumi dynamic resource
// whose provider is serialised once per version of this program's source, not
// on every `pulumi up`.
//
// Pulumi's dynamic.Resource serialises its provider's code into the resource's
// `__provider` input each time the program runs, and serialising parses the
// code with TypeScript: loading TypeScript and parsing cost the program about
// 0.5 s of CPU in every run, most of it before the first container could
// register. The text only changes when the code does, so it is kept in
// node_modules/.cache under a key made of the provider's name, its compiled
// code, the content of every file it can capture anything from (index.ts,
// components/, lib/), and the versions of Node and @pulumi/pulumi; a run with
// that key reads the text instead of producing it. The resource is the one
// dynamic.Resource would register: the same type
// (`pulumi-nodejs:dynamic/dind-compose:<Type>`) and the same `__provider` text
// (test/unit/dynamicResource.test.ts compares them), so existing stacks see no
// change.
//
// What makes the key sufficient: a provider captures only functions and
// constants of those files, never a value of the environment it runs in
// (HOME, the working directory...); the same test serialises each provider in
// two different environments and requires the same text.

import * as crypto from "crypto";
import * as fs from "fs";
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
/** Where serialised providers are kept. */
export const PROVIDER_CACHE_DIR = path.join(root, "node_modules", ".cache", "dind-compose-providers");
/** The module part of every dynamic resource type of this program. */
const MODULE = "dind-compose";

/** Files under these (and index.ts) are what a provider's code and captured values come from. */
const SOURCE_DIRS = ["components", "lib"];

function listFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
        .sort();
}

let sourceDigest: string | undefined;
/** Digest of every file a provider can capture anything from, and of the versions that shape the serialised text. */
export function providerSourceDigest(): string {
    if (sourceDigest === undefined) {
        const hash = crypto.createHash("sha256");
        const pulumiVersion = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")).version;
        hash.update(`node ${process.version}\0@pulumi/pulumi ${pulumiVersion}\0`);
        for (const file of [path.join(root, "index.ts"), ...SOURCE_DIRS.flatMap((d) => listFiles(path.join(root, d)))]) {
            hash.update(`${path.relative(root, file)}\0`).update(fs.readFileSync(file)).update("\0");
        }
        sourceDigest = hash.digest("hex");
    }
    return sourceDigest;
}

/** The provider's serialised text as Pulumi's dynamic.Resource produces it. */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
    return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
}

const inProcess = new Map<string, Promise<string>>();

/** How many serialised texts of one provider the cache keeps (the newest): one per source and compiler in use. */
const KEEP_PER_TYPE = 8;

/**
 * The serialised text of `provider` (named `type`), from the cache when this source has been serialised before.
 * The key also covers the provider's own compiled code, which tells which compiler produced the modules it
 * captures from: the program's (lib/compiledTs.js) and the tests' (tsx) emit different JavaScript.
 */
export function cachedProviderText(type: string, provider: pulumi.dynamic.ResourceProvider): Promise<string> {
    let text = inProcess.get(type);
    if (text === undefined) {
        const compiled = crypto.createHash("sha256");
        for (const [method, fn] of Object.entries(provider)) {
            compiled.update(`${method}\0${String(fn)}\0`);
        }
        const key = crypto.createHash("sha256").update(providerSourceDigest()).update(compiled.digest("hex")).digest("hex");
        const file = path.join(PROVIDER_CACHE_DIR, `${type}-${key}.js`);
        text = fs.promises.readFile(file, "utf8").catch(async () => {
            const serialized = await serializeProvider(provider);
            // Written whole under a temporary name, then renamed: two programs at once never read half a file.
            await fs.promises.mkdir(PROVIDER_CACHE_DIR, { recursive: true });
            const temporary = `${file}.${process.pid}.tmp`;
            await fs.promises.writeFile(temporary, serialized);
            await fs.promises.rename(temporary, file);
            await pruneCache(type);
            return serialized;
        });
        inProcess.set(type, text);
    }
    return text;
}

/** Keeps the newest KEEP_PER_TYPE texts of a provider: older sources are seldom run again. */
async function pruneCache(type: string): Promise<void> {
    const entries = (await fs.promises.readdir(PROVIDER_CACHE_DIR)).filter((f) => f.startsWith(`${type}-`) && f.endsWith(".js"));
    const dated = await Promise.all(
        entries.map(async (f) => ({ f, mtime: await fs.promises.stat(path.join(PROVIDER_CACHE_DIR, f)).then((st) => st.mtimeMs, () => 0) })),
    );
    for (const { f } of dated.sort((a, b) => b.mtime - a.mtime).slice(KEEP_PER_TYPE)) {
        await fs.promises.rm(path.join(PROVIDER_CACHE_DIR, f), { force: true });
    }
}

/** A dynamic resource of type `pulumi-nodejs:dynamic/dind-compose:<type>`, its provider serialised once per source. */
export abstract class DynamicResource extends pulumi.CustomResource {
    protected constructor(provider: pulumi.dynamic.ResourceProvider, type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        if ("__provider" in props) {
            throw new Error("A dynamic resource must not define the __provider key");
        }
        super(`pulumi-nodejs:dynamic/${MODULE}:${type}`, name, { ...props, __provider: pulumi.output(cachedProviderText(type, provider)) }, opts);
    }
}
