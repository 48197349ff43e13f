// A named volume holding data that must outlive containers: a daemon's
// /var/lib/docker (every inner image, container and volume of a project) or
// the mirror's registry storage.
//
// Nothing about it depends on images, certificates or compose files, so no
// ordinary change can plan its replacement; its name and labels are ignored
// after creation for the same reason (a volume created before names took their
// current shape keeps its old name, and so its data). It goes away only when its project leaves the stack or
// the stack is destroyed, removed by a DockerRemoval once the containers mounting it are gone (the Docker
// provider's own delete would first wait a fixed 2 s), or together with its owners, the containers whose
// data it is (a daemon), which the removal force-removes first.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { toLabelList } from "../lib/names";
import { DockerRemoval } from "./dockerRemoval";

export interface DataVolumeArgs {
    /** Docker volume name, derived from stack and project. */
    readonly volumeName: string;
    /** Labels for stack, project and role. */
    readonly labels: Record<string, string>;
    /**
     * Containers whose data this volume is (a project's daemon), force-removed with it: give them
     * `deletedWith: <this>.removal`, so removing the volume skips their graceful stop (DockerRemoval).
     */
    readonly owners?: string[];
}

export class DataVolume extends pulumi.ComponentResource {
    /** The Docker volume name, to mount: containers mounting it are deleted before the volume is removed. */
    public readonly volumeName: pulumi.Output<string>;
    /** What removes the volume (and its owners): the `deletedWith` of the containers named in `owners`. */
    public readonly removal: pulumi.Resource;

    constructor(name: string, args: DataVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dind-compose:index:DataVolume", name, {}, opts);

        const volume = new docker.Volume(
            `${name}-volume`,
            { name: args.volumeName, labels: toLabelList(args.labels) },
            { parent: this, ignoreChanges: ["name", "labels"], retainOnDelete: true },
        );
        const removal = new DockerRemoval(
            `${name}-removal`,
            { kind: "volume", objectName: volume.name, ...(args.owners !== undefined ? { containers: args.owners } : {}) },
            { parent: this },
        );
        this.removal = removal;

        this.volumeName = removal.forUsers(volume.name);
        this.registerOutputs({ volumeName: this.volumeName });
    }
}
