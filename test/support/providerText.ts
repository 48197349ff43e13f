// A dynamic provider's code as the program ships it (components/dynamicResource.ts's serializeProvider), and
// the modules that code requires, for the tests that check a provider needs only Node's own modules.

import * as pulumi from "@pulumi/pulumi";
import { serializeProvider } from "../../components/dynamicResource";

/** The provider's serialised text and the distinct modules it `require`s, sorted. */
export async function serializedProvider(provider: pulumi.dynamic.ResourceProvider): Promise<{ text: string; requires: string[] }> {
    const text = await serializeProvider(provider);
    const requires = [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
    return { text, requires };
}
