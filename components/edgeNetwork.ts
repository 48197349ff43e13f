// The stack's edge network: the proxy, the mirror, every daemon and every
// runner sit on it. Docker's embedded DNS on this network is how nginx finds a
// daemon by its alias at request time. The Docker provider creates it; what
// containers attach through is a DockerRemoval, which waits for the network
// to exist and removes it once every container on it is gone (the provider
// waits a fixed 2 s after creating a network and before deleting one).

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { toLabelList } from "../lib/names";
import { DockerRemoval } from "./dockerRemoval";

export interface EdgeNetworkArgs {
    /** Docker network name, derived from the stack. */
    readonly networkName: string;
    /** Labels for stack and role. */
    readonly labels: Record<string, string>;
}

export class EdgeNetwork extends pulumi.ComponentResource {
    /** The network's name, to attach to: containers on it are deleted before the network is removed. */
    public readonly networkName: pulumi.Output<string>;

    constructor(name: string, args: EdgeNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:EdgeNetwork", name, {}, opts);

        new docker.Network(
            `${name}-network`,
            { name: args.networkName, driver: "bridge", labels: toLabelList(args.labels) },
            { parent: this, retainOnDelete: true },
        );
        // Containers attach once the network exists, not after the provider's fixed 2 s wait that follows
        // its creation: they depend on the removal, which waits for the network, not on the network resource.
        const removal = new DockerRemoval(`${name}-removal`, { kind: "network", objectName: args.networkName }, { parent: this });

        this.networkName = removal.forUsers(pulumi.output(args.networkName));
        this.registerOutputs({ networkName: this.networkName });
    }
}
