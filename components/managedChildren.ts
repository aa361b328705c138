// What every component's Docker children share: the data volume, the image, and the container
// settings that make a container hardened, health-gated, gracefully stopped and read back as
// declared. One place, so the three components cannot drift apart.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_REPLACE_ON_CHANGES, LOG_DRIVER, LOG_OPTS, NO_NEW_PRIVILEGES, RESTART_POLICY } from "./containerDefaults";
import { volumeSetting } from "./valkeySettings";
import { checkDockerName, checkImageReference, checkWhenResolved } from "./validation";

/** The settings of a component's data volume. */
export interface DataVolumeSettings {
    /** The volume to create, or undefined when an existing one (`volumeName`) is used. */
    readonly createVolumeName?: string;
    readonly volumeName: pulumi.Input<string>;
    readonly retainDataOnDelete: boolean;
    readonly protectData: boolean;
}

/**
 * The data volume, created with a stable name and retainOnDelete (a destroy or a replacement leaves
 * the data where it is, and a new volume resource of that name adopts it), or an existing one,
 * checked when its name resolves. Returns the name the container mounts.
 */
export function dataVolume(parent: pulumi.Resource, name: string, s: DataVolumeSettings, args: { readonly existingVolumeName?: unknown }): pulumi.Output<string> {
    if (s.createVolumeName === undefined) {
        return pulumi.output(checkWhenResolved(s.volumeName, (v) => checkDockerName(volumeSetting(args), v)));
    }
    return new docker.Volume(`${name}-data`, { name: s.createVolumeName }, { parent, retainOnDelete: s.retainDataOnDelete, protect: s.protectData }).name;
}

/**
 * The image, checked against Docker's reference grammar when it resolves; a local image of that
 * name is used before any pull, and keepLocally stops a destroy from removing an image another
 * stack runs.
 */
export function localFirstImage(parent: pulumi.Resource, name: string, image: pulumi.Input<string>): docker.RemoteImage {
    return new docker.RemoteImage(`${name}-image`, { name: checkWhenResolved(image, (v) => checkImageReference("image", v)), keepLocally: true }, { parent });
}

/** What the shared container settings depend on. */
export interface ManagedContainerSettings {
    readonly memoryLimitMb?: number;
    readonly waitTimeoutSeconds: number;
    readonly stopGraceSeconds: number;
}

/**
 * Container arguments every component sets the same way, each in the form the daemon reports it
 * back (so a second `pulumi up` proposes nothing).
 */
export function managedContainerArgs(s: ManagedContainerSettings) {
    return {
        securityOpts: [NO_NEW_PRIVILEGES],
        memory: s.memoryLimitMb,
        // Equal to the limit: no swap. Unset, the daemon allows twice the limit, Read stores that,
        // and every later `up` would propose to change it back.
        memorySwap: s.memoryLimitMb,
        restart: RESTART_POLICY,
        logDriver: LOG_DRIVER,
        logOpts: { ...LOG_OPTS },
        // `pulumi up` returns only once the healthcheck passes: dependants start after a healthy
        // server, and a container that never gets there fails the update.
        wait: true,
        waitTimeout: s.waitTimeoutSeconds,
        // The stop signal, then this long before SIGKILL: the provider's replacement and destroy
        // (without it they kill at once) and `docker stop` or a daemon shutdown alike.
        destroyGraceSeconds: s.stopGraceSeconds,
        stopTimeout: s.stopGraceSeconds,
    };
}

/**
 * Container options every component sets: a fixed name (and host port) cannot exist twice, so the
 * old container goes first; `replaceOnChanges` makes healthcheck edits and failed waits real.
 */
export function managedContainerOptions(parent: pulumi.Resource, dependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource>): pulumi.CustomResourceOptions {
    return { parent, deleteBeforeReplace: true, replaceOnChanges: CONTAINER_REPLACE_ON_CHANGES, dependsOn };
}
