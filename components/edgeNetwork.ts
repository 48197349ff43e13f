// The stack's edge network: the proxy, the mirror, every daemon and every
// runner sit on it. Docker's embedded DNS on this network is how nginx finds a
// daemon by its alias at request time. The Docker provider creates it; a
// DockerRemoval removes it once every container on it is gone (the provider's
// own delete would first wait a fixed 2 s).

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

        const network = new docker.Network(
            `${name}-network`,
            { name: args.networkName, driver: "bridge", labels: toLabelList(args.labels) },
            { parent: this, retainOnDelete: true },
        );
        const removal = new DockerRemoval(`${name}-removal`, { kind: "network", objectName: network.name }, { parent: this });

        this.networkName = removal.forUsers(network.name);
        this.registerOutputs({ networkName: this.networkName });
    }
}
