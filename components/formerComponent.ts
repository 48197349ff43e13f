// Resources that were children of a component which no longer exists keep
// their state through an alias to the URN they had under it. A component is a
// registration of its own and a level in Pulumi's teardown order: each one
// costs every `pulumi up` a step and a state write, and a destroy a wave.

import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a resource now directly under `parent` that stacks made before had under the component
 * `component` (of type `dind-compose:index:<type>`, itself under `parent`).
 */
export function formerlyUnder(parent: pulumi.Resource, component: string, type: string): pulumi.CustomResourceOptions {
    return { parent, aliases: [{ parent: pulumi.createUrn(component, `dind-compose:index:${type}`, parent) }] };
}
