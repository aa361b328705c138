// Pure translation of plan resources into Docker Engine API requests, following what the
// @pulumi/docker 5.x provider (kreuzwerker/terraform-provider-docker underneath) sends:
// resource_docker_container_funcs.go (create), resource_docker_container_structures.go (ports,
// volumes, ulimits, devices, hosts), resource_docker_network_funcs.go, resource_docker_volume.go.
//
// Strictness: every input field must be known. A field the realizer cannot honour faithfully
// fails loudly, naming the resource and the field, so nothing declared is silently dropped.

import type Dockerode from "dockerode";
import type { ContainerArgs } from "@pulumi/docker/container";
import type { NetworkArgs } from "@pulumi/docker/network";
import type { VolumeArgs } from "@pulumi/docker/volume";
import type { RemoteImageArgs } from "@pulumi/docker/remoteImage";
import type * as dockerInput from "@pulumi/docker/types/input";

import { parseGoDuration, DurationError } from "./goDuration";
import { Plan, PlanError, PlanResource, RESOURCE_TYPES, describe } from "./plan";

export { parseGoDuration, parseGoDurationBig, formatGoDuration, DurationError } from "./goDuration";
export { PlanError } from "./plan";

/** Label put on every object the realizer creates; its value is the run label. */
export const RUN_LABEL_KEY = "openwebui-valkey.test-run";

const MIB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Field tables

/**
 * How an input field reaches the engine:
 * - `api`: mapped to the Docker API request named in `target` (`minApi`: lowest engine API
 *   version that honours it; older engines would ignore it silently, so the realizer refuses);
 * - `provider`: steers the provider only, no API counterpart (see PROVIDER_ONLY_CONTAINER_FIELDS);
 * - `unsupported`: declared fields of this kind fail loudly.
 */
export type ApiRule = { readonly kind: "api"; readonly target: string; readonly minApi?: string };
export type ProviderRule = { readonly kind: "provider"; readonly effect: string };
export type UnsupportedRule = { readonly kind: "unsupported"; readonly reason: string };
export type FieldRule = ApiRule | ProviderRule | UnsupportedRule;

/**
 * Container inputs that only steer the provider. The realizer honours `start` (default true),
 * `wait`/`waitTimeout` (healthy within waitTimeout seconds, default 60; unhealthy or exited fails
 * at once), `mustRun` (default true: not running after create fails), `attach` (wait for the
 * container to exit) and `destroyGraceSeconds` (stop timeout before removal). `logs`,
 * `removeVolumes` and `containerReadRefreshTimeoutMilliseconds` are accepted and checked; destroy
 * always removes anonymous volumes, so tests leave nothing behind.
 */
export const PROVIDER_ONLY_CONTAINER_FIELDS = [
    "attach",
    "containerReadRefreshTimeoutMilliseconds",
    "destroyGraceSeconds",
    "logs",
    "mustRun",
    "removeVolumes",
    "start",
    "wait",
    "waitTimeout",
] as const;

type ProviderOnlyField = (typeof PROVIDER_ONLY_CONTAINER_FIELDS)[number];

const providerOnly = (effect: string): ProviderRule => ({ kind: "provider", effect });
const api = (target: string, minApi?: string): ApiRule =>
    minApi === undefined ? { kind: "api", target } : { kind: "api", target, minApi };

/** Every ContainerArgs field of @pulumi/docker 5.x; the type makes a missing entry a compile error. */
export const CONTAINER_FIELDS: { readonly [K in keyof ContainerArgs]-?: K extends ProviderOnlyField ? ProviderRule : ApiRule | UnsupportedRule } = {
    attach: providerOnly("after start, wait until the container exits"),
    capabilities: api("HostConfig.CapAdd / HostConfig.CapDrop"),
    cgroupParent: api("HostConfig.CgroupParent"),
    cgroupnsMode: api("HostConfig.CgroupnsMode ('private' | 'host')", "1.41"),
    command: api("Config.Cmd (no empty element)"),
    containerReadRefreshTimeoutMilliseconds: providerOnly("how long the provider polls for 'running'"),
    cpuPeriod: api("HostConfig.CpuPeriod (left out when cpus is set)"),
    cpuQuota: api("HostConfig.CpuQuota (left out when cpus is set)"),
    cpuSet: api("HostConfig.CpusetCpus"),
    cpuShares: api("HostConfig.CpuShares"),
    cpus: api("HostConfig.NanoCpus (decimal CPUs × 1e9)"),
    destroyGraceSeconds: providerOnly("stop timeout before removal"),
    deviceCgroupRules: api("HostConfig.DeviceCgroupRules"),
    deviceReadBps: api("HostConfig.BlkioDeviceReadBps [{Path, Rate}]"),
    deviceReadIops: api("HostConfig.BlkioDeviceReadIOps [{Path, Rate}]"),
    deviceRequests: api("HostConfig.DeviceRequests", "1.40"),
    deviceWriteBps: api("HostConfig.BlkioDeviceWriteBps [{Path, Rate}]"),
    deviceWriteIops: api("HostConfig.BlkioDeviceWriteIOps [{Path, Rate}]"),
    devices: api("HostConfig.Devices [{PathOnHost, PathInContainer (default hostPath), CgroupPermissions (default rwm)}]"),
    dns: api("HostConfig.Dns"),
    dnsOpts: api("HostConfig.DnsOptions"),
    dnsSearches: api("HostConfig.DnsSearch"),
    domainname: api("Config.Domainname"),
    entrypoints: api("Config.Entrypoint"),
    envs: api("Config.Env"),
    gpus: api("HostConfig.DeviceRequests (parsed like `docker run --gpus`)", "1.40"),
    groupAdds: api("HostConfig.GroupAdd"),
    healthcheck: api("Config.Healthcheck (Go durations → nanoseconds)"),
    hostname: api("Config.Hostname"),
    hosts: api("HostConfig.ExtraHosts ('host:ip')"),
    image: api("Config.Image (the placeholder is replaced through the image mapping of the RemoteImage)"),
    init: api("HostConfig.Init (false when unset, as the provider sends it)"),
    ipcMode: api("HostConfig.IpcMode"),
    labels: api("Config.Labels (list of {label, value} → map)"),
    logDriver: api("HostConfig.LogConfig.Type"),
    logOpts: api("HostConfig.LogConfig.Config"),
    logs: providerOnly("keep the output of an attached container in state"),
    maxRetryCount: api("HostConfig.RestartPolicy.MaximumRetryCount"),
    memory: api("HostConfig.Memory (MB × 1024 × 1024)"),
    memoryReservation: api("HostConfig.MemoryReservation (MB × 1024 × 1024)"),
    memorySwap: api("HostConfig.MemorySwap (MB × 1024 × 1024 when > 0, else as is)"),
    mounts: api("HostConfig.Mounts"),
    mustRun: providerOnly("a container that is not running after create is an error"),
    name: api("?name= of POST /containers/create (default: the resource name)"),
    networkMode: api("HostConfig.NetworkMode"),
    networksAdvanced: api("POST /networks/{id}/connect after create, after leaving the default bridge"),
    pidMode: api("HostConfig.PidMode"),
    platform: api("?platform= of POST /containers/create", "1.41"),
    ports: api("Config.ExposedPorts + HostConfig.PortBindings (ip default 0.0.0.0, protocol default tcp)"),
    privileged: api("HostConfig.Privileged"),
    publishAllPorts: api("HostConfig.PublishAllPorts"),
    readOnly: api("HostConfig.ReadonlyRootfs"),
    removeVolumes: providerOnly("remove anonymous volumes with the container (destroy always does)"),
    restart: api("HostConfig.RestartPolicy.Name (default 'no')"),
    rm: api("HostConfig.AutoRemove"),
    runtime: api("HostConfig.Runtime"),
    securityOpts: api("HostConfig.SecurityOpt"),
    shmSize: api("HostConfig.ShmSize (MB × 1024 × 1024)"),
    start: providerOnly("start the container after create (default true)"),
    stdinOpen: api("Config.OpenStdin"),
    stopSignal: api("Config.StopSignal"),
    stopTimeout: api("Config.StopTimeout"),
    storageOpts: api("HostConfig.StorageOpt"),
    sysctls: api("HostConfig.Sysctls"),
    tmpfs: api("HostConfig.Tmpfs"),
    tty: api("Config.Tty"),
    ulimits: api("HostConfig.Ulimits [{Name, Soft, Hard}]"),
    uploads: api("PUT /containers/{id}/archive (a tar at /) before start"),
    user: api("Config.User"),
    usernsMode: api("HostConfig.UsernsMode"),
    volumes: api("HostConfig.Binds ('source:path:rw|ro[,z]') + Config.Volumes + HostConfig.VolumesFrom"),
    wait: providerOnly("after start, wait until the container is healthy"),
    waitTimeout: providerOnly("seconds to wait for healthy (default 60)"),
    workingDir: api("Config.WorkingDir"),
};

export const NETWORK_FIELDS: { readonly [K in keyof NetworkArgs]-?: FieldRule } = {
    attachable: api("Attachable"),
    driver: api("Driver"),
    ingress: api("Ingress"),
    internal: api("Internal"),
    ipamConfigs: api("IPAM.Config [{Subnet, IPRange, Gateway, AuxiliaryAddresses}]"),
    ipamDriver: api("IPAM.Driver"),
    ipamOptions: api("IPAM.Options"),
    ipv6: api("EnableIPv6"),
    labels: api("Labels (list of {label, value} → map)"),
    name: api("Name (default: the resource name)"),
    options: api("Options"),
};

export const VOLUME_FIELDS: { readonly [K in keyof VolumeArgs]-?: FieldRule } = {
    cluster: { kind: "unsupported", reason: "cluster volumes need a swarm manager" },
    driver: api("Driver"),
    driverOpts: api("DriverOpts"),
    labels: api("Labels (list of {label, value} → map)"),
    name: api("Name (default: the resource name)"),
};

/** A RemoteImage creates nothing here: its `name` selects the local image through the image mapping. */
export const REMOTE_IMAGE_FIELDS: { readonly [K in keyof RemoteImageArgs]-?: FieldRule } = {
    build: { kind: "unsupported", reason: "the realizer does not build images; map the name to a prepared local image" },
    forceRemove: providerOnly("image removal on delete"),
    keepLocally: providerOnly("image removal on delete"),
    name: api("key of the image mapping"),
    platform: providerOnly("platform of the pull"),
    pullTriggers: providerOnly("re-pull triggers"),
    triggers: providerOnly("replacement triggers"),
};

/** Lists the keys of T; the argument must name each of them, so the list stays complete. */
function keysOf<T>(record: { readonly [K in keyof T]-?: true }): readonly string[] {
    return Object.keys(record);
}

const CAPABILITIES_KEYS = keysOf<dockerInput.ContainerCapabilities>({ adds: true, drops: true });
const HEALTHCHECK_KEYS = keysOf<dockerInput.ContainerHealthcheck>({
    interval: true, retries: true, startInterval: true, startPeriod: true, tests: true, timeout: true,
});
const PORT_KEYS = keysOf<dockerInput.ContainerPort>({ external: true, internal: true, ip: true, protocol: true });
const VOLUME_KEYS = keysOf<dockerInput.ContainerVolume>({
    containerPath: true, fromContainer: true, hostPath: true, readOnly: true, selinuxRelabel: true, volumeName: true,
});
const MOUNT_KEYS = keysOf<dockerInput.ContainerMount>({
    bindOptions: true, readOnly: true, source: true, target: true, tmpfsOptions: true, type: true, volumeOptions: true,
});
const BIND_OPTIONS_KEYS = keysOf<dockerInput.ContainerMountBindOptions>({ propagation: true });
const TMPFS_OPTIONS_KEYS = keysOf<dockerInput.ContainerMountTmpfsOptions>({ mode: true, sizeBytes: true });
const VOLUME_OPTIONS_KEYS = keysOf<dockerInput.ContainerMountVolumeOptions>({
    driverName: true, driverOptions: true, labels: true, noCopy: true, subpath: true,
});
const LABEL_KEYS = keysOf<dockerInput.ContainerLabel>({ label: true, value: true });
const NETWORKS_ADVANCED_KEYS = keysOf<dockerInput.ContainerNetworksAdvanced>({
    aliases: true, driverOpts: true, gwPriority: true, ipv4Address: true, ipv6Address: true,
    linkLocalIps: true, macAddress: true, name: true,
});
const ULIMIT_KEYS = keysOf<dockerInput.ContainerUlimit>({ hard: true, name: true, soft: true });
const HOST_KEYS = keysOf<dockerInput.ContainerHost>({ host: true, ip: true });
const DEVICE_KEYS = keysOf<dockerInput.ContainerDevice>({ containerPath: true, hostPath: true, permissions: true });
const THROTTLE_KEYS = keysOf<dockerInput.ContainerDeviceReadBp>({ path: true, rate: true });
const DEVICE_REQUEST_KEYS = keysOf<dockerInput.ContainerDeviceRequest>({
    capabilities: true, count: true, deviceIds: true, driver: true, options: true,
});
const UPLOAD_KEYS = keysOf<dockerInput.ContainerUpload>({
    content: true, contentBase64: true, executable: true, file: true, group: true, owner: true,
    permissions: true, source: true, sourceHash: true,
});
const IPAM_CONFIG_KEYS = keysOf<dockerInput.NetworkIpamConfig>({ auxAddress: true, gateway: true, ipRange: true, subnet: true });

// ---------------------------------------------------------------------------------------------
// Output shapes

/** HostConfig with the fields @types/dockerode lacks. */
export type HostConfigSpec = Dockerode.HostConfig & { CgroupnsMode?: string };
/** Endpoint settings with the fields @types/dockerode lacks. */
export type EndpointSpec = Dockerode.EndpointSettings & { GwPriority?: number };
export type ContainerCreateSpec = Dockerode.ContainerCreateOptions & { name: string; HostConfig: HostConfigSpec };

export interface NetworkConnection {
    /** The network's name or id as declared; the realizer swaps in the id of a network it created. */
    network: string;
    endpoint: EndpointSpec;
}

export interface UploadSpec {
    /** Absolute path of the file in the container. */
    file: string;
    /** Inline content (from `content` or `contentBase64`). */
    content?: Buffer;
    /** A file on this machine to read (from `source`). */
    sourcePath?: string;
    mode: number;
    uid?: number;
    gid?: number;
}

/** A named volume the container refers to, with what Docker would use to create it on first use. */
export interface VolumeReference {
    name: string;
    driver?: string;
    driverOpts?: Record<string, string>;
    labels?: Record<string, string>;
}

export interface ContainerLifecycle {
    start: boolean;
    wait: boolean;
    waitTimeoutSeconds: number;
    mustRun: boolean;
    attach: boolean;
    logs: boolean;
    removeVolumes: boolean;
    destroyGraceSeconds?: number;
}

export interface ContainerSpec {
    /** The body and query of POST /containers/create (`name` and `platform` go in the query). */
    options: ContainerCreateSpec;
    /** Leave the default bridge after create (the provider does so whenever networksAdvanced is set). */
    disconnectDefaultBridge: boolean;
    /** Networks to connect, in declaration order, after create and before start. */
    networkConnections: NetworkConnection[];
    uploads: UploadSpec[];
    volumeReferences: VolumeReference[];
    lifecycle: ContainerLifecycle;
    /** Lowest engine API version that honours every field used. */
    requiredApiVersion: string;
}

// ---------------------------------------------------------------------------------------------
// Value readers: each names the resource and the field path when it refuses a value

class FieldReader {
    constructor(readonly where: string) {}

    fail(path: string, message: string): never {
        throw new PlanError(`${this.where}: field "${path}" ${message}`);
    }

    object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
        if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "must be an object");
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
            if (!allowed.includes(key)) this.fail(`${path}.${key}`, "is not mapped by the realizer");
        }
        return record;
    }

    list(value: unknown, path: string): unknown[] | undefined {
        if (value === undefined) return undefined;
        if (!Array.isArray(value)) this.fail(path, "must be a list");
        return value;
    }

    objects(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown>[] | undefined {
        return this.list(value, path)?.map((item, i) => this.object(item, `${path}[${i}]`, allowed));
    }

    string(value: unknown, path: string): string | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "string") this.fail(path, "must be a string");
        return value;
    }

    requiredString(value: unknown, path: string): string {
        const s = this.string(value, path);
        if (s === undefined || s === "") this.fail(path, "is required");
        return s;
    }

    boolean(value: unknown, path: string): boolean | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "boolean") this.fail(path, "must be a boolean");
        return value;
    }

    integer(value: unknown, path: string, min?: number): number | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "number" || !Number.isSafeInteger(value)) this.fail(path, "must be an integer");
        if (min !== undefined && value < min) this.fail(path, `must be at least ${min}`);
        return value;
    }

    requiredInteger(value: unknown, path: string, min?: number): number {
        const n = this.integer(value, path, min);
        if (n === undefined) this.fail(path, "is required");
        return n;
    }

    strings(value: unknown, path: string): string[] | undefined {
        const items = this.list(value, path);
        if (items === undefined) return undefined;
        return items.map((item, i) => {
            if (typeof item !== "string") this.fail(`${path}[${i}]`, "must be a string");
            return item;
        });
    }

    stringMap(value: unknown, path: string): Record<string, string> | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "must be a map of strings");
        const out: Record<string, string> = {};
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
            if (typeof item !== "string") this.fail(`${path}.${key}`, "must be a string");
            out[key] = item;
        }
        return out;
    }

    oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
        const s = this.string(value, path);
        if (s === undefined) return undefined;
        if (!(allowed as readonly string[]).includes(s)) this.fail(path, `must be one of ${allowed.map((a) => `'${a}'`).join(", ")}`);
        return s as T;
    }

    duration(value: unknown, path: string): number | undefined {
        const s = this.string(value, path);
        if (s === undefined) return undefined;
        let ns: number;
        try {
            ns = parseGoDuration(s);
        } catch (e) {
            if (e instanceof DurationError) this.fail(path, `is not a Go duration: ${e.message}`);
            throw e;
        }
        if (ns < 0) this.fail(path, "must not be negative");
        return ns;
    }

    /** A Pulumi label list ([{label, value}]) as a map; a label named twice is refused. */
    labels(value: unknown, path: string): Record<string, string> | undefined {
        const items = this.objects(value, path, LABEL_KEYS);
        if (items === undefined) return undefined;
        const out: Record<string, string> = {};
        items.forEach((item, i) => {
            const label = this.requiredString(item["label"], `${path}[${i}].label`);
            const text = this.string(item["value"], `${path}[${i}].value`);
            if (text === undefined) this.fail(`${path}[${i}].value`, "is required");
            if (label in out) this.fail(`${path}[${i}].label`, `names "${label}" twice`);
            out[label] = text;
        });
        return out;
    }
}

function checkTopLevelFields(
    reader: FieldReader,
    inputs: Record<string, unknown>,
    table: { readonly [field: string]: FieldRule },
): void {
    for (const field of Object.keys(inputs)) {
        const rule = table[field];
        if (rule === undefined) reader.fail(field, "is not mapped by the realizer");
        if (rule.kind === "unsupported") reader.fail(field, `cannot be realized: ${rule.reason}`);
    }
}

function expectType(resource: PlanResource, type: string): void {
    if (resource.type !== type) {
        throw new PlanError(`${describe(resource)}: expected a resource of type ${type}`);
    }
}

function maxVersion(a: string, b: string): string {
    const [am = 0, an = 0] = a.split(".").map(Number);
    const [bm = 0, bn = 0] = b.split(".").map(Number);
    return am > bm || (am === bm && an >= bn) ? a : b;
}

/** True when engine API version `have` is at least `need` ("1.41" style). */
export function apiVersionAtLeast(have: string, need: string): boolean {
    return maxVersion(have, need) === have;
}

// ---------------------------------------------------------------------------------------------
// Small parsers

/** `docker run --cpus` semantics: a decimal number of CPUs → NanoCpus, refused if finer than 1e-9. */
export function parseCpus(text: string): number {
    const match = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/.exec(text.trim());
    if (match === null) throw new Error(`"${text}" is not a decimal number of CPUs`);
    const whole = match[1] ?? "0";
    const fraction = (match[2] ?? match[3] ?? "").replace(/0+$/, "");
    if (fraction.length > 9) throw new Error(`"${text}" is too precise (at most 9 decimals)`);
    const nano = BigInt(whole) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0") || "0");
    if (nano > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`"${text}" is too large`);
    return Number(nano);
}

/** One CSV record (RFC 4180 quoting), as Go's encoding/csv reads `--gpus` values. */
function readCsvRecord(text: string): string[] {
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') {
                field += '"';
                i++;
            } else if (c === '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c === '"' && field === "") {
            quoted = true;
        } else if (c === ",") {
            fields.push(field);
            field = "";
        } else {
            field += c;
        }
    }
    if (quoted) throw new Error(`unterminated quote in "${text}"`);
    fields.push(field);
    return fields;
}

/** `docker run --gpus` semantics (docker/cli opts.GpuOpts): "all", a count, or CSV of key=value. */
export function parseGpus(text: string): Dockerode.DeviceRequest {
    const request: Dockerode.DeviceRequest = {};
    const seen = new Set<string>();
    const count = (value: string): number => {
        if (value === "all") return -1;
        if (!/^-?\d+$/.test(value)) throw new Error(`count must be an integer, not "${value}"`);
        return Number(value);
    };
    for (const field of readCsvRecord(text)) {
        const eq = field.indexOf("=");
        const key = eq < 0 ? field : field.slice(0, eq);
        const value = eq < 0 ? "" : field.slice(eq + 1);
        if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
        seen.add(key);
        if (eq < 0) {
            seen.add("count");
            request.Count = count(key);
            continue;
        }
        switch (key) {
            case "driver":
                request.Driver = value;
                break;
            case "count":
                request.Count = count(value);
                break;
            case "device":
                request.DeviceIDs = value.split(",");
                break;
            case "capabilities":
                request.Capabilities = [[...value.split(","), "gpu"]];
                break;
            case "options":
                request.Options = Object.fromEntries(
                    readCsvRecord(value).map((kv) => {
                        const i = kv.indexOf("=");
                        return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
                    }),
                );
                break;
            default:
                throw new Error(`unexpected key '${key}' in '${field}'`);
        }
    }
    if (!seen.has("count") && request.DeviceIDs === undefined) request.Count = 1;
    request.Options ??= {};
    request.Capabilities ??= [["gpu"]];
    return request;
}

// ---------------------------------------------------------------------------------------------
// Image

/**
 * The local image to run for a container: the container's `image` input is a placeholder id,
 * so the image comes from the RemoteImage among its dependsOn, through `imageMap` keyed on that
 * RemoteImage's `name`. No RemoteImage, several, or no mapping: fails loudly.
 */
export function resolveContainerImage(
    plan: Plan,
    resource: PlanResource,
    imageMap: Readonly<Record<string, string>>,
): { upstream: string; local: string } {
    const where = describe(resource);
    const images = (resource.options.dependsOn ?? [])
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
    expectType(resource, RESOURCE_TYPES.remoteImage);
    const reader = new FieldReader(describe(resource));
    const inputs = resource.inputs;
    checkTopLevelFields(reader, inputs, REMOTE_IMAGE_FIELDS);
    reader.boolean(inputs["keepLocally"], "keepLocally");
    reader.boolean(inputs["forceRemove"], "forceRemove");
    reader.string(inputs["platform"], "platform");
    reader.strings(inputs["pullTriggers"], "pullTriggers");
    reader.stringMap(inputs["triggers"], "triggers");
    return reader.requiredString(inputs["name"], "name");
}

// ---------------------------------------------------------------------------------------------
// Network and volume

export interface LabelOptions {
    /** Labels the realizer adds (the run label); they win over declared labels of the same key. */
    labels: Record<string, string>;
}

export function networkCreateOptions(resource: PlanResource, options: LabelOptions): Dockerode.NetworkCreateOptions {
    expectType(resource, RESOURCE_TYPES.network);
    const reader = new FieldReader(describe(resource));
    const inputs = resource.inputs;
    checkTopLevelFields(reader, inputs, NETWORK_FIELDS);

    const out: Dockerode.NetworkCreateOptions = {
        Name: reader.string(inputs["name"], "name") ?? resource.name,
        Labels: { ...(reader.labels(inputs["labels"], "labels") ?? {}), ...options.labels },
    };
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

    // The provider sends IPAM only when one of its three fields is set.
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
    if (ipamSet) out.IPAM = ipam;
    return out;
}

export function volumeCreateOptions(resource: PlanResource, options: LabelOptions): Dockerode.VolumeCreateOptions & { Name: string } {
    expectType(resource, RESOURCE_TYPES.volume);
    const reader = new FieldReader(describe(resource));
    const inputs = resource.inputs;
    checkTopLevelFields(reader, inputs, VOLUME_FIELDS);
    const out: Dockerode.VolumeCreateOptions & { Name: string } = {
        Name: reader.string(inputs["name"], "name") ?? resource.name,
        Labels: { ...(reader.labels(inputs["labels"], "labels") ?? {}), ...options.labels },
    };
    const driver = reader.string(inputs["driver"], "driver");
    if (driver !== undefined) out.Driver = driver;
    const driverOpts = reader.stringMap(inputs["driverOpts"], "driverOpts");
    if (driverOpts !== undefined) out.DriverOpts = driverOpts;
    return out;
}

// ---------------------------------------------------------------------------------------------
// Container

export interface ContainerOptionsInput extends LabelOptions {
    /** The image to run (the local image, or its id), replacing the plan's placeholder. */
    image: string;
}

const RESTART_POLICIES = ["no", "on-failure", "always", "unless-stopped"] as const;
const PORT_PROTOCOLS = ["tcp", "udp", "sctp"] as const;
const MOUNT_TYPES = ["bind", "volume", "tmpfs", "image", "npipe", "cluster"] as const;
const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"] as const;

function parseMode(text: string, reader: FieldReader, path: string): number {
    if (!/^0?[0-7]{1,4}$/.test(text)) reader.fail(path, "must be an octal file mode such as 0644");
    return parseInt(text, 8);
}

function numericId(text: string | undefined, reader: FieldReader, path: string): number | undefined {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) reader.fail(path, "must be numeric here (names are resolved on the provider's host, which the realizer does not imitate)");
    return Number(text);
}

/**
 * The container create request for a plan Container and what to do around it: network
 * connections after create, uploads before start, and the provider-only lifecycle settings.
 */
export function containerCreateOptions(resource: PlanResource, input: ContainerOptionsInput): ContainerSpec {
    expectType(resource, RESOURCE_TYPES.container);
    const r = new FieldReader(describe(resource));
    const inputs = resource.inputs;
    checkTopLevelFields(r, inputs, CONTAINER_FIELDS);
    let requiredApiVersion = "1.25";
    const needs = (field: string): void => {
        const rule = (CONTAINER_FIELDS as Record<string, FieldRule>)[field];
        if (rule?.kind === "api" && rule.minApi !== undefined) requiredApiVersion = maxVersion(requiredApiVersion, rule.minApi);
    };
    for (const field of Object.keys(inputs)) needs(field);

    r.requiredString(inputs["image"], "image");
    const hostConfig: HostConfigSpec = {};
    const options: ContainerCreateSpec = {
        name: r.string(inputs["name"], "name") ?? resource.name,
        Image: input.image,
        HostConfig: hostConfig,
    };

    // --- Config
    const platform = r.string(inputs["platform"], "platform");
    if (platform !== undefined) options.platform = platform;
    const hostname = r.string(inputs["hostname"], "hostname");
    if (hostname !== undefined) options.Hostname = hostname;
    const domainname = r.string(inputs["domainname"], "domainname");
    if (domainname !== undefined) options.Domainname = domainname;
    const tty = r.boolean(inputs["tty"], "tty");
    if (tty !== undefined) options.Tty = tty;
    const stdinOpen = r.boolean(inputs["stdinOpen"], "stdinOpen");
    if (stdinOpen !== undefined) options.OpenStdin = stdinOpen;
    const stopSignal = r.string(inputs["stopSignal"], "stopSignal");
    if (stopSignal !== undefined) options.StopSignal = stopSignal;
    const stopTimeout = r.integer(inputs["stopTimeout"], "stopTimeout");
    if (stopTimeout !== undefined) options.StopTimeout = stopTimeout;
    const envs = r.strings(inputs["envs"], "envs");
    if (envs !== undefined) options.Env = envs;
    const command = r.strings(inputs["command"], "command");
    if (command !== undefined) {
        command.forEach((part, i) => {
            if (part === "") r.fail(`command[${i}]`, "is empty; the provider refuses empty command values");
        });
        options.Cmd = command;
    }
    const entrypoints = r.strings(inputs["entrypoints"], "entrypoints");
    if (entrypoints !== undefined) options.Entrypoint = entrypoints;
    const user = r.string(inputs["user"], "user");
    if (user !== undefined) options.User = user;
    const workingDir = r.string(inputs["workingDir"], "workingDir");
    if (workingDir !== undefined) options.WorkingDir = workingDir;
    options.Labels = { ...(r.labels(inputs["labels"], "labels") ?? {}), ...input.labels };

    // healthcheck
    if (inputs["healthcheck"] !== undefined) {
        const hc = r.object(inputs["healthcheck"], "healthcheck", HEALTHCHECK_KEYS);
        const health: Dockerode.HealthConfig = {};
        const tests = r.strings(hc["tests"], "healthcheck.tests");
        if (tests !== undefined) health.Test = tests;
        const interval = r.duration(hc["interval"], "healthcheck.interval");
        if (interval !== undefined) health.Interval = interval;
        const timeout = r.duration(hc["timeout"], "healthcheck.timeout");
        if (timeout !== undefined) health.Timeout = timeout;
        const startPeriod = r.duration(hc["startPeriod"], "healthcheck.startPeriod");
        if (startPeriod !== undefined) health.StartPeriod = startPeriod;
        const startInterval = r.duration(hc["startInterval"], "healthcheck.startInterval");
        if (startInterval !== undefined) {
            health.StartInterval = startInterval;
            requiredApiVersion = maxVersion(requiredApiVersion, "1.44");
        }
        const retries = r.integer(hc["retries"], "healthcheck.retries", 0);
        if (retries !== undefined) health.Retries = retries;
        options.Healthcheck = health;
    }

    // ports → ExposedPorts + PortBindings
    const ports = r.objects(inputs["ports"], "ports", PORT_KEYS);
    if (ports !== undefined && ports.length > 0) {
        const exposed: Record<string, Record<string, never>> = {};
        const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
        ports.forEach((p, i) => {
            const path = `ports[${i}]`;
            const internal = r.requiredInteger(p["internal"], `${path}.internal`, 1);
            const external = r.integer(p["external"], `${path}.external`, 0);
            const ip = r.string(p["ip"], `${path}.ip`) ?? "0.0.0.0";
            const protocol = r.oneOf(p["protocol"], `${path}.protocol`, PORT_PROTOCOLS) ?? "tcp";
            const key = `${internal}/${protocol}`;
            exposed[key] = {};
            (bindings[key] ??= []).push({ HostIp: ip, HostPort: external === undefined ? "" : String(external) });
        });
        options.ExposedPorts = exposed;
        hostConfig.PortBindings = bindings;
    }

    // volumes → Binds, Config.Volumes, VolumesFrom
    const volumeReferences: VolumeReference[] = [];
    const volumes = r.objects(inputs["volumes"], "volumes", VOLUME_KEYS);
    if (volumes !== undefined && volumes.length > 0) {
        const configVolumes: Record<string, Record<string, never>> = {};
        const binds: string[] = [];
        const volumesFrom: string[] = [];
        volumes.forEach((v, i) => {
            const path = `volumes[${i}]`;
            const containerPath = r.string(v["containerPath"], `${path}.containerPath`) ?? "";
            const fromContainer = r.string(v["fromContainer"], `${path}.fromContainer`) ?? "";
            const hostPath = r.string(v["hostPath"], `${path}.hostPath`) ?? "";
            const volumeName = r.string(v["volumeName"], `${path}.volumeName`) ?? "";
            const readOnly = r.boolean(v["readOnly"], `${path}.readOnly`);
            const relabel = r.oneOf(v["selinuxRelabel"], `${path}.selinuxRelabel`, ["z", "Z"] as const);
            if (fromContainer !== "" && containerPath !== "") r.fail(path, "names both a container and a path");
            if (fromContainer === "" && containerPath === "") r.fail(path, "has neither containerPath nor fromContainer");
            if (fromContainer !== "") {
                if (readOnly !== undefined || relabel !== undefined || hostPath !== "" || volumeName !== "") {
                    r.fail(path, "combines fromContainer with other settings, which the provider ignores");
                }
                volumesFrom.push(fromContainer);
                return;
            }
            configVolumes[containerPath] = {};
            const source = hostPath !== "" ? hostPath : volumeName; // hostPath takes precedence
            if (source === "") {
                if (readOnly !== undefined || relabel !== undefined) {
                    r.fail(path, "sets readOnly/selinuxRelabel on an anonymous volume, which the provider ignores");
                }
                return;
            }
            const mode = (readOnly === true ? "ro" : "rw") + (relabel !== undefined ? `,${relabel}` : "");
            binds.push(`${source}:${containerPath}:${mode}`);
            if (hostPath === "") volumeReferences.push({ name: volumeName });
        });
        if (Object.keys(configVolumes).length > 0) options.Volumes = configVolumes;
        if (binds.length > 0) hostConfig.Binds = binds;
        if (volumesFrom.length > 0) hostConfig.VolumesFrom = volumesFrom;
    }

    // mounts
    const mounts = r.objects(inputs["mounts"], "mounts", MOUNT_KEYS);
    if (mounts !== undefined) {
        hostConfig.Mounts = mounts.map((m, i) => {
            const path = `mounts[${i}]`;
            const type = r.oneOf(m["type"], `${path}.type`, MOUNT_TYPES);
            if (type === undefined) r.fail(`${path}.type`, "is required");
            const target = r.requiredString(m["target"], `${path}.target`);
            const source = r.string(m["source"], `${path}.source`) ?? "";
            const mount: Dockerode.MountSettings = { Type: type as Dockerode.MountType, Target: target, Source: source };
            const readOnly = r.boolean(m["readOnly"], `${path}.readOnly`);
            if (readOnly !== undefined) mount.ReadOnly = readOnly;
            const mismatch = (key: string, kind: string): void => {
                if (m[key] !== undefined && type !== kind) r.fail(`${path}.${key}`, `applies to type '${kind}' only; the provider ignores it for '${type}'`);
            };
            mismatch("bindOptions", "bind");
            mismatch("volumeOptions", "volume");
            mismatch("tmpfsOptions", "tmpfs");
            if (m["bindOptions"] !== undefined) {
                const b = r.object(m["bindOptions"], `${path}.bindOptions`, BIND_OPTIONS_KEYS);
                const propagation = r.oneOf(b["propagation"], `${path}.bindOptions.propagation`, PROPAGATIONS);
                if (propagation !== undefined) mount.BindOptions = { Propagation: propagation };
            }
            if (m["volumeOptions"] !== undefined) {
                const vo = r.object(m["volumeOptions"], `${path}.volumeOptions`, VOLUME_OPTIONS_KEYS);
                const volumeOptions: Partial<NonNullable<Dockerode.MountSettings["VolumeOptions"]>> = {};
                const noCopy = r.boolean(vo["noCopy"], `${path}.volumeOptions.noCopy`);
                if (noCopy !== undefined) volumeOptions.NoCopy = noCopy;
                const labels = r.labels(vo["labels"], `${path}.volumeOptions.labels`);
                if (labels !== undefined) volumeOptions.Labels = labels;
                const driverName = r.string(vo["driverName"], `${path}.volumeOptions.driverName`);
                const driverOptions = r.stringMap(vo["driverOptions"], `${path}.volumeOptions.driverOptions`);
                if (driverName !== undefined || driverOptions !== undefined) {
                    volumeOptions.DriverConfig = { Name: driverName ?? "", Options: driverOptions ?? {} };
                }
                const subpath = r.string(vo["subpath"], `${path}.volumeOptions.subpath`);
                if (subpath !== undefined) {
                    volumeOptions.Subpath = subpath;
                    requiredApiVersion = maxVersion(requiredApiVersion, "1.45");
                }
                mount.VolumeOptions = volumeOptions as NonNullable<Dockerode.MountSettings["VolumeOptions"]>;
                if (source !== "") {
                    const reference: VolumeReference = { name: source };
                    if (driverName !== undefined) reference.driver = driverName;
                    if (driverOptions !== undefined) reference.driverOpts = driverOptions;
                    if (labels !== undefined) reference.labels = labels;
                    volumeReferences.push(reference);
                }
            } else if (type === "volume" && source !== "") {
                volumeReferences.push({ name: source });
            }
            if (m["tmpfsOptions"] !== undefined) {
                const t = r.object(m["tmpfsOptions"], `${path}.tmpfsOptions`, TMPFS_OPTIONS_KEYS);
                const tmpfs: Partial<NonNullable<Dockerode.MountSettings["TmpfsOptions"]>> = {};
                const sizeBytes = r.integer(t["sizeBytes"], `${path}.tmpfsOptions.sizeBytes`, 0);
                if (sizeBytes !== undefined) tmpfs.SizeBytes = sizeBytes;
                const mode = r.integer(t["mode"], `${path}.tmpfsOptions.mode`, 0);
                if (mode !== undefined) tmpfs.Mode = mode;
                mount.TmpfsOptions = tmpfs as NonNullable<Dockerode.MountSettings["TmpfsOptions"]>;
            }
            return mount;
        });
    }

    // --- HostConfig
    const privileged = r.boolean(inputs["privileged"], "privileged");
    if (privileged !== undefined) hostConfig.Privileged = privileged;
    const publishAllPorts = r.boolean(inputs["publishAllPorts"], "publishAllPorts");
    if (publishAllPorts !== undefined) hostConfig.PublishAllPorts = publishAllPorts;
    const rm = r.boolean(inputs["rm"], "rm");
    if (rm !== undefined) hostConfig.AutoRemove = rm;
    const readOnly = r.boolean(inputs["readOnly"], "readOnly");
    if (readOnly !== undefined) hostConfig.ReadonlyRootfs = readOnly;
    const runtime = r.string(inputs["runtime"], "runtime");
    if (runtime !== undefined) hostConfig.Runtime = runtime;

    const restart = r.oneOf(inputs["restart"], "restart", RESTART_POLICIES) ?? "no";
    const maxRetryCount = r.integer(inputs["maxRetryCount"], "maxRetryCount", 0);
    hostConfig.RestartPolicy = { Name: restart, MaximumRetryCount: maxRetryCount ?? 0 };

    const logDriver = r.string(inputs["logDriver"], "logDriver");
    const logOpts = r.stringMap(inputs["logOpts"], "logOpts");
    if (logDriver !== undefined || logOpts !== undefined) {
        hostConfig.LogConfig = { Type: logDriver ?? "", Config: logOpts ?? {} };
    }

    const tmpfs = r.stringMap(inputs["tmpfs"], "tmpfs");
    if (tmpfs !== undefined) hostConfig.Tmpfs = tmpfs;

    const hosts = r.objects(inputs["hosts"], "hosts", HOST_KEYS);
    if (hosts !== undefined && hosts.length > 0) {
        hostConfig.ExtraHosts = hosts.map(
            (h, i) => `${r.requiredString(h["host"], `hosts[${i}].host`)}:${r.requiredString(h["ip"], `hosts[${i}].ip`)}`,
        );
    }

    const ulimits = r.objects(inputs["ulimits"], "ulimits", ULIMIT_KEYS);
    if (ulimits !== undefined && ulimits.length > 0) {
        hostConfig.Ulimits = ulimits.map((u, i) => ({
            Name: r.requiredString(u["name"], `ulimits[${i}].name`),
            Soft: r.requiredInteger(u["soft"], `ulimits[${i}].soft`),
            Hard: r.requiredInteger(u["hard"], `ulimits[${i}].hard`),
        }));
    }

    if (inputs["capabilities"] !== undefined) {
        const caps = r.object(inputs["capabilities"], "capabilities", CAPABILITIES_KEYS);
        hostConfig.CapAdd = r.strings(caps["adds"], "capabilities.adds") ?? [];
        hostConfig.CapDrop = r.strings(caps["drops"], "capabilities.drops") ?? [];
    }

    const devices = r.objects(inputs["devices"], "devices", DEVICE_KEYS);
    if (devices !== undefined && devices.length > 0) {
        hostConfig.Devices = devices.map((d, i): Dockerode.DeviceMapping => {
            const hostPath = r.requiredString(d["hostPath"], `devices[${i}].hostPath`);
            const containerPath = r.string(d["containerPath"], `devices[${i}].containerPath`);
            const permissions = r.string(d["permissions"], `devices[${i}].permissions`);
            return {
                PathOnHost: hostPath,
                PathInContainer: containerPath !== undefined && containerPath !== "" ? containerPath : hostPath,
                CgroupPermissions: permissions !== undefined && permissions !== "" ? permissions : "rwm",
            };
        });
    }
    const deviceCgroupRules = r.strings(inputs["deviceCgroupRules"], "deviceCgroupRules");
    if (deviceCgroupRules !== undefined) hostConfig.DeviceCgroupRules = deviceCgroupRules;

    const throttles = [
        ["deviceReadBps", "BlkioDeviceReadBps"],
        ["deviceReadIops", "BlkioDeviceReadIOps"],
        ["deviceWriteBps", "BlkioDeviceWriteBps"],
        ["deviceWriteIops", "BlkioDeviceWriteIOps"],
    ] as const;
    for (const [field, target] of throttles) {
        const items = r.objects(inputs[field], field, THROTTLE_KEYS);
        if (items === undefined) continue;
        hostConfig[target] = items.map((t, i) => ({
            Path: r.requiredString(t["path"], `${field}[${i}].path`),
            Rate: r.requiredInteger(t["rate"], `${field}[${i}].rate`, 0),
        }));
    }

    const deviceRequests: Dockerode.DeviceRequest[] = [];
    const gpus = r.string(inputs["gpus"], "gpus");
    if (gpus !== undefined) {
        try {
            deviceRequests.push(parseGpus(gpus));
        } catch (e) {
            r.fail("gpus", `is not a --gpus value: ${(e as Error).message}`);
        }
    }
    const requests = r.objects(inputs["deviceRequests"], "deviceRequests", DEVICE_REQUEST_KEYS);
    requests?.forEach((d, i) => {
        const path = `deviceRequests[${i}]`;
        const request: Dockerode.DeviceRequest = {};
        const driver = r.string(d["driver"], `${path}.driver`);
        if (driver !== undefined) request.Driver = driver;
        const count = r.integer(d["count"], `${path}.count`, -1);
        if (count !== undefined) request.Count = count;
        const ids = r.strings(d["deviceIds"], `${path}.deviceIds`);
        if (ids !== undefined) request.DeviceIDs = ids;
        const capabilities = r.strings(d["capabilities"], `${path}.capabilities`);
        if (capabilities !== undefined) request.Capabilities = [capabilities];
        const opts = r.stringMap(d["options"], `${path}.options`);
        if (opts !== undefined) request.Options = opts;
        deviceRequests.push(request);
    });
    if (deviceRequests.length > 0) hostConfig.DeviceRequests = deviceRequests;

    const dns = r.strings(inputs["dns"], "dns");
    if (dns !== undefined) hostConfig.Dns = dns;
    const dnsOpts = r.strings(inputs["dnsOpts"], "dnsOpts");
    if (dnsOpts !== undefined) hostConfig.DnsOptions = dnsOpts;
    const dnsSearches = r.strings(inputs["dnsSearches"], "dnsSearches");
    if (dnsSearches !== undefined) hostConfig.DnsSearch = dnsSearches;
    const securityOpts = r.strings(inputs["securityOpts"], "securityOpts");
    if (securityOpts !== undefined) hostConfig.SecurityOpt = securityOpts;
    const groupAdds = r.strings(inputs["groupAdds"], "groupAdds");
    if (groupAdds !== undefined) hostConfig.GroupAdd = groupAdds;

    const memory = r.integer(inputs["memory"], "memory", 0);
    if (memory !== undefined) hostConfig.Memory = memory * MIB;
    const memoryReservation = r.integer(inputs["memoryReservation"], "memoryReservation", 0);
    if (memoryReservation !== undefined) hostConfig.MemoryReservation = memoryReservation * MIB;
    const memorySwap = r.integer(inputs["memorySwap"], "memorySwap", -1);
    if (memorySwap !== undefined) hostConfig.MemorySwap = memorySwap > 0 ? memorySwap * MIB : memorySwap;
    const shmSize = r.integer(inputs["shmSize"], "shmSize", 0);
    if (shmSize !== undefined) hostConfig.ShmSize = shmSize * MIB;

    const cpuShares = r.integer(inputs["cpuShares"], "cpuShares", 0);
    if (cpuShares !== undefined) hostConfig.CpuShares = cpuShares;
    const cpuSet = r.string(inputs["cpuSet"], "cpuSet");
    if (cpuSet !== undefined) hostConfig.CpusetCpus = cpuSet;
    const cpus = r.string(inputs["cpus"], "cpus");
    const cpuPeriod = r.integer(inputs["cpuPeriod"], "cpuPeriod", 0);
    const cpuQuota = r.integer(inputs["cpuQuota"], "cpuQuota", -1);
    if (cpus !== undefined) {
        try {
            hostConfig.NanoCpus = parseCpus(cpus);
        } catch (e) {
            r.fail("cpus", `is not a number of CPUs: ${(e as Error).message}`);
        }
        // documented: cpuPeriod and cpuQuota are ignored when cpus is set (the engine refuses both)
    } else {
        if (cpuPeriod !== undefined) hostConfig.CpuPeriod = cpuPeriod;
        if (cpuQuota !== undefined) hostConfig.CpuQuota = cpuQuota;
    }
    const cgroupParent = r.string(inputs["cgroupParent"], "cgroupParent");
    if (cgroupParent !== undefined) hostConfig.CgroupParent = cgroupParent;
    const cgroupnsMode = r.oneOf(inputs["cgroupnsMode"], "cgroupnsMode", ["private", "host"] as const);
    if (cgroupnsMode !== undefined) hostConfig.CgroupnsMode = cgroupnsMode;

    const networkMode = r.string(inputs["networkMode"], "networkMode");
    if (networkMode !== undefined) hostConfig.NetworkMode = networkMode;
    const usernsMode = r.string(inputs["usernsMode"], "usernsMode");
    if (usernsMode !== undefined) hostConfig.UsernsMode = usernsMode;
    const pidMode = r.string(inputs["pidMode"], "pidMode");
    if (pidMode !== undefined) hostConfig.PidMode = pidMode;
    const ipcMode = r.string(inputs["ipcMode"], "ipcMode");
    if (ipcMode !== undefined) hostConfig.IpcMode = ipcMode;
    const sysctls = r.stringMap(inputs["sysctls"], "sysctls");
    if (sysctls !== undefined) hostConfig.Sysctls = sysctls;
    const storageOpts = r.stringMap(inputs["storageOpts"], "storageOpts");
    if (storageOpts !== undefined) hostConfig.StorageOpt = storageOpts;
    hostConfig.Init = r.boolean(inputs["init"], "init") ?? false;

    // --- networks, connected after create
    const networksAdvanced = r.objects(inputs["networksAdvanced"], "networksAdvanced", NETWORKS_ADVANCED_KEYS);
    const networkConnections: NetworkConnection[] = (networksAdvanced ?? []).map((n, i) => {
        const path = `networksAdvanced[${i}]`;
        const endpoint: EndpointSpec = {};
        const aliases = r.strings(n["aliases"], `${path}.aliases`);
        if (aliases !== undefined) endpoint.Aliases = aliases;
        const ipam: Dockerode.IPAMConfig = {};
        const ipv4 = r.string(n["ipv4Address"], `${path}.ipv4Address`);
        if (ipv4 !== undefined) ipam.IPv4Address = ipv4;
        const ipv6 = r.string(n["ipv6Address"], `${path}.ipv6Address`);
        if (ipv6 !== undefined) ipam.IPv6Address = ipv6;
        const linkLocal = r.strings(n["linkLocalIps"], `${path}.linkLocalIps`);
        if (linkLocal !== undefined) ipam.LinkLocalIPs = linkLocal;
        if (Object.keys(ipam).length > 0) endpoint.IPAMConfig = ipam;
        const mac = r.string(n["macAddress"], `${path}.macAddress`);
        if (mac !== undefined) {
            endpoint.MacAddress = mac;
            requiredApiVersion = maxVersion(requiredApiVersion, "1.44");
        }
        const driverOpts = r.strings(n["driverOpts"], `${path}.driverOpts`);
        if (driverOpts !== undefined) {
            endpoint.DriverOpts = Object.fromEntries(
                driverOpts.map((kv, j) => {
                    const eq = kv.indexOf("=");
                    if (eq <= 0) r.fail(`${path}.driverOpts[${j}]`, "must be key=value");
                    return [kv.slice(0, eq), kv.slice(eq + 1)];
                }),
            );
        }
        const gwPriority = r.integer(n["gwPriority"], `${path}.gwPriority`);
        if (gwPriority !== undefined) {
            endpoint.GwPriority = gwPriority;
            requiredApiVersion = maxVersion(requiredApiVersion, "1.48");
        }
        return { network: r.requiredString(n["name"], `${path}.name`), endpoint };
    });

    // --- uploads, copied in after create
    const uploadItems = r.objects(inputs["uploads"], "uploads", UPLOAD_KEYS);
    const uploads: UploadSpec[] = (uploadItems ?? []).map((u, i) => {
        const path = `uploads[${i}]`;
        const file = r.requiredString(u["file"], `${path}.file`);
        const content = r.string(u["content"], `${path}.content`);
        const contentBase64 = r.string(u["contentBase64"], `${path}.contentBase64`);
        const source = r.string(u["source"], `${path}.source`);
        r.string(u["sourceHash"], `${path}.sourceHash`); // a replacement trigger only
        const given = [content, contentBase64, source].filter((v) => v !== undefined && v !== "").length;
        if (given === 0) r.fail(path, "needs one of content, contentBase64 or source");
        if (given > 1) r.fail(path, "may set only one of content, contentBase64 or source");
        const executable = r.boolean(u["executable"], `${path}.executable`) ?? false;
        const permissions = r.string(u["permissions"], `${path}.permissions`);
        const spec: UploadSpec = {
            file,
            mode: permissions !== undefined ? parseMode(permissions, r, `${path}.permissions`) : executable ? 0o744 : 0o644,
        };
        if (content !== undefined && content !== "") spec.content = Buffer.from(content, "utf8");
        if (contentBase64 !== undefined && contentBase64 !== "") spec.content = Buffer.from(contentBase64, "base64");
        if (source !== undefined && source !== "") spec.sourcePath = source;
        const uid = numericId(r.string(u["owner"], `${path}.owner`), r, `${path}.owner`);
        if (uid !== undefined) spec.uid = uid;
        const gid = numericId(r.string(u["group"], `${path}.group`), r, `${path}.group`);
        if (gid !== undefined) spec.gid = gid;
        return spec;
    });

    // --- provider-only settings
    const lifecycle: ContainerLifecycle = {
        start: r.boolean(inputs["start"], "start") ?? true,
        wait: r.boolean(inputs["wait"], "wait") ?? false,
        waitTimeoutSeconds: r.integer(inputs["waitTimeout"], "waitTimeout", 0) ?? 60,
        mustRun: r.boolean(inputs["mustRun"], "mustRun") ?? true,
        attach: r.boolean(inputs["attach"], "attach") ?? false,
        logs: r.boolean(inputs["logs"], "logs") ?? false,
        removeVolumes: r.boolean(inputs["removeVolumes"], "removeVolumes") ?? true,
    };
    const grace = r.integer(inputs["destroyGraceSeconds"], "destroyGraceSeconds", 0);
    if (grace !== undefined) lifecycle.destroyGraceSeconds = grace;
    r.integer(inputs["containerReadRefreshTimeoutMilliseconds"], "containerReadRefreshTimeoutMilliseconds", 0);
    if (lifecycle.wait && !lifecycle.start) r.fail("wait", "needs start: a container that is not started never becomes healthy");

    return {
        options,
        disconnectDefaultBridge: networksAdvanced !== undefined && networksAdvanced.length > 0,
        networkConnections,
        uploads,
        volumeReferences,
        lifecycle,
        requiredApiVersion,
    };
}

/**
 * Splits a create spec into the query (name, platform) and the JSON body of
 * POST /containers/create, so that nothing of the body (environment values included) lands in
 * the request URL.
 */
export function splitCreateRequest(options: ContainerCreateSpec): { query: Record<string, string>; body: Record<string, unknown> } {
    const { name, platform, ...body } = options;
    const query: Record<string, string> = { name };
    if (platform !== undefined) query["platform"] = platform;
    return { query, body };
}
