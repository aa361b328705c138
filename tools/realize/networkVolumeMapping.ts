// Networks, volumes and images: the create requests for plan Networks and Volumes (as
// resource_docker_network_funcs.go and resource_docker_volume.go send them), and the local image
// a container runs in place of its RemoteImage.

import type Dockerode from "dockerode";

import { FieldReader, readResource } from "./fieldReader";
import { IPAM_CONFIG_KEYS, NETWORK_FIELDS, REMOTE_IMAGE_FIELDS, VOLUME_FIELDS } from "./fieldTables";
import { Plan, PlanError, PlanResource, RESOURCE_TYPES, describe } from "./plan";

export interface LabelOptions {
    /** Labels the realizer adds (the run label); they win over declared labels of the same key. */
    labels: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Image

/**
 * The local image to run for a container: the container's `image` input is a placeholder id,
 * so the image comes from the RemoteImage its `image` input depends on (else the one among its
 * dependsOn), through `imageMap` keyed on that
 * RemoteImage's `name`. No RemoteImage, several, or no mapping: fails loudly.
 */
export function resolveContainerImage(
    plan: Plan,
    resource: PlanResource,
    imageMap: Readonly<Record<string, string>>,
): { upstream: string; local: string } {
    const where = describe(resource);
    // The image input's own property dependencies say which RemoteImage it takes; dependsOn may
    // also hold the images of resources the container is merely ordered after.
    const fromImageInput = resource.propertyDependencies?.["image"];
    const images = (fromImageInput ?? resource.options.dependsOn ?? [])
        .map((urn) => plan.resources.find((r) => r.urn === urn))
        .filter((r): r is PlanResource => r !== undefined && r.type === RESOURCE_TYPES.remoteImage);
    const names = [...new Set(images.map((image) => remoteImageName(image)))];
    if (names.length === 0) {
        throw new PlanError(`${where}: no ${RESOURCE_TYPES.remoteImage} among its dependsOn, so its image cannot be mapped`);
    }
    if (names.length > 1) {
        throw new PlanError(`${where}: depends on several RemoteImages (${names.join(", ")}); cannot tell which one it runs`);
    }
    const upstream = names[0] as string;
    const local = Object.prototype.hasOwnProperty.call(imageMap, upstream) ? imageMap[upstream] : undefined;
    if (local === undefined || local === "") {
        throw new PlanError(`${where}: no image mapping for "${upstream}" (map it to a local image, e.g. --image ${upstream}=<local image>)`);
    }
    return { upstream, local };
}

/** Checks a RemoteImage's inputs and returns its `name`. */
export function remoteImageName(resource: PlanResource): string {
    const { reader, inputs } = readResource(resource, RESOURCE_TYPES.remoteImage, REMOTE_IMAGE_FIELDS);
    reader.boolean(inputs["keepLocally"], "keepLocally");
    reader.boolean(inputs["forceRemove"], "forceRemove");
    reader.string(inputs["platform"], "platform");
    reader.strings(inputs["pullTriggers"], "pullTriggers");
    reader.stringMap(inputs["triggers"], "triggers");
    return reader.requiredString(inputs["name"], "name");
}

// ---------------------------------------------------------------------------------------------
// Network and volume

/** Name (default: the resource name) and labels, the realizer's winning: alike for networks and volumes. */
function nameAndLabels(reader: FieldReader, resource: PlanResource, options: LabelOptions): { Name: string; Labels: Record<string, string> } {
    return {
        Name: reader.string(resource.inputs["name"], "name") ?? resource.name,
        Labels: { ...(reader.labels(resource.inputs["labels"], "labels") ?? {}), ...options.labels },
    };
}

export function networkCreateOptions(resource: PlanResource, options: LabelOptions): Dockerode.NetworkCreateOptions {
    const { reader, inputs } = readResource(resource, RESOURCE_TYPES.network, NETWORK_FIELDS);
    const out: Dockerode.NetworkCreateOptions = nameAndLabels(reader, resource, options);
    const driver = reader.string(inputs["driver"], "driver");
    if (driver !== undefined) out.Driver = driver;
    const driverOptions = reader.stringMap(inputs["options"], "options");
    if (driverOptions !== undefined) out.Options = driverOptions;
    const internal = reader.boolean(inputs["internal"], "internal");
    if (internal !== undefined) out.Internal = internal;
    const attachable = reader.boolean(inputs["attachable"], "attachable");
    if (attachable !== undefined) out.Attachable = attachable;
    const ingress = reader.boolean(inputs["ingress"], "ingress");
    if (ingress !== undefined) out.Ingress = ingress;
    const ipv6 = reader.boolean(inputs["ipv6"], "ipv6");
    if (ipv6 !== undefined) out.EnableIPv6 = ipv6;
    const ipam = networkIpam(reader, inputs);
    if (ipam !== undefined) out.IPAM = ipam;
    return out;
}

/** The network's IPAM settings; undefined unless one of its three fields is set, as the provider sends it. */
function networkIpam(reader: FieldReader, inputs: Record<string, unknown>): Dockerode.IPAM | undefined {
    const ipam: Dockerode.IPAM = {};
    let ipamSet = false;
    const ipamDriver = reader.string(inputs["ipamDriver"], "ipamDriver");
    if (ipamDriver !== undefined) {
        ipam.Driver = ipamDriver;
        ipamSet = true;
    }
    const ipamConfigs = reader.objects(inputs["ipamConfigs"], "ipamConfigs", IPAM_CONFIG_KEYS);
    if (ipamConfigs !== undefined) {
        ipam.Config = ipamConfigs.map((c, i) => {
            const path = `ipamConfigs[${i}]`;
            const config: NonNullable<Dockerode.IPAM["Config"]>[number] = {};
            const subnet = reader.string(c["subnet"], `${path}.subnet`);
            if (subnet !== undefined) config.Subnet = subnet;
            const ipRange = reader.string(c["ipRange"], `${path}.ipRange`);
            if (ipRange !== undefined) config.IPRange = ipRange;
            const gateway = reader.string(c["gateway"], `${path}.gateway`);
            if (gateway !== undefined) config.Gateway = gateway;
            const aux = reader.stringMap(c["auxAddress"], `${path}.auxAddress`);
            if (aux !== undefined) config.AuxiliaryAddresses = aux;
            return config;
        });
        ipamSet = true;
    }
    const ipamOptions = reader.stringMap(inputs["ipamOptions"], "ipamOptions");
    if (ipamOptions !== undefined) {
        ipam.Options = ipamOptions;
        ipamSet = true;
    }
    return ipamSet ? ipam : undefined;
}

export function volumeCreateOptions(resource: PlanResource, options: LabelOptions): Dockerode.VolumeCreateOptions & { Name: string } {
    const { reader, inputs } = readResource(resource, RESOURCE_TYPES.volume, VOLUME_FIELDS);
    const out: Dockerode.VolumeCreateOptions & { Name: string } = nameAndLabels(reader, resource, options);
    const driver = reader.string(inputs["driver"], "driver");
    if (driver !== undefined) out.Driver = driver;
    const driverOpts = reader.stringMap(inputs["driverOpts"], "driverOpts");
    if (driverOpts !== undefined) out.DriverOpts = driverOpts;
    return out;
}
