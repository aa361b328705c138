// What the provider's Read stores for a container, computed from `docker inspect`: the state a
// second `pulumi up` compares the program with (Create ends with Read, so this is the state the
// first `up` records). proposedChanges.ts does that comparison.
//
// Followed source: github.com/kreuzwerker/terraform-provider-docker (the provider @pulumi/docker
// 5.2.0 wraps; see PROVIDER_SCHEMA_SOURCE in tools/plan/providerSchema.ts for the version mapping):
// - internal/provider/resource_docker_container_funcs.go @ 8bac991400ae971425d61be5c6e442a1b3f8515c,
//   resourceDockerContainerRead (checked against @ a154e9ceb16a78dc882da7729df123d99300b7c4: the
//   same for every field modelled here; the later revision also reads the blkio throttles and adds
//   an import-only branch for networks_advanced);
// - internal/provider/resource_docker_container_structures.go @ b15ea021d74f3baade60dbf65b373bdcf1e9cee2:
//   flattenContainerPorts, flattenUlimits, flattenExtraHosts;
// - internal/provider/resource_docker_container.go @ 6bee3efa6c55d25a63d2ce47f8d0d2fac141d6ed: the
//   schema (TypeSet/TypeList, Optional/Computed, Default, DiffSuppressFunc), in readBackFields.ts.
//
// What Read does, field by field (Pulumi names; Terraform names in readBackFields.ts):
// - name: Name without the leading "/". image: .Image when the state value starts with "sha256:"
//   (an image id, as RemoteImage.imageId is), else .Config.Image.
// - command, entrypoints, user, workingDir, hostname, domainname: from .Config as they are.
// - capabilities: only when CapAdd or CapDrop is non-empty, as {add: CapAdd, drop: CapDrop} exactly
//   as the daemon reports them (the daemon writes added capabilities with the CAP_ prefix; a "TODO
//   implement DiffSuppressFunc" sits beside it). With both empty, state keeps the declared block.
// - securityOpts, dns, dnsOpts, dnsSearches, groupAdds, sysctls, tmpfs, storageOpts, logDriver,
//   logOpts (the daemon's whole map), restart, maxRetryCount, networkMode, pidMode, usernsMode,
//   ipcMode, runtime, privileged, publishAllPorts, readOnly, rm, tty, stdinOpen, stopSignal,
//   stopTimeout, cpuShares, cpuSet: copied from HostConfig / Config.
// - init: HostConfig.Init, false when null.
// - memory: Memory / MiB. memorySwap and memoryReservation: / MiB when > 0, else as they are (-1, 0).
//   shmSize: ShmSize / MiB. (Go integer division.)
// - healthcheck: only when Config.Healthcheck is set: the test and retries as they are, the four
//   durations as Go's Duration.String() of the nanoseconds ("1s", "1m0s", "0s").
// - ulimits: [{name, soft, hard}] from HostConfig.Ulimits (flattenUlimits).
// - hosts: ExtraHosts "host:ip" split at ":" (flattenExtraHosts).
// - ports: only while running or when must_run is set: one block per binding of
//   NetworkSettings.Ports (exposed ports without a binding give none), the host port as a number,
//   keys sorted by port (flattenContainerPorts).
// - mustRun: set to false when the container is not running; otherwise left alone.
// - never read, so state keeps the declared value: envs, labels ("We decided not to set the
//   environment variables and labels"), volumes ("// volumes"), uploads ("upload can't be
//   imported"), networksAdvanced (only an import path sets it, guarded by GetOk on an empty set,
//   which GetOk never reports as set: a managed container's networks are never read, so no network
//   inspect is consulted), platform, cgroupnsMode, cgroupParent, cpuPeriod, cpuQuota, and the
//   provider-only start, attach, logs, wait, waitTimeout, destroyGraceSeconds, removeVolumes,
//   containerReadRefreshTimeoutMilliseconds.
// - mounts, devices, deviceRequests, gpus, cpus and the blkio throttles are read too, but not
//   modelled here: declared, they are refused; undeclared, the daemon must report none of them.

import { formatGoDuration } from "./goDuration";
import { PlanResource, RESOURCE_TYPES, describe } from "./plan";
import { CAPABILITIES_FIELDS, CONTAINER_READ_BACK, FieldModel, HEALTHCHECK_FIELDS, PORT_FIELDS } from "./readBackFields";

export { CONTAINER_READ_BACK } from "./readBackFields";
export type { FieldModel, ModelledField, UnmodelledField, Shape } from "./readBackFields";

const MIB = 1024 * 1024;

/** A declared field or a daemon report this model cannot judge. */
export class ReadBackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ReadBackError";
    }
}

// ---------------------------------------------------------------------------------------------
// The part of `docker inspect` (GET /containers/{id}/json) that Read consults. Every member is
// `unknown` and checked when read, so a dockerode ContainerInspectInfo and recorded JSON both fit.

export interface InspectedConfig {
    Image?: unknown;
    Cmd?: unknown;
    Entrypoint?: unknown;
    User?: unknown;
    WorkingDir?: unknown;
    Hostname?: unknown;
    Domainname?: unknown;
    Healthcheck?: unknown;
    StopSignal?: unknown;
    StopTimeout?: unknown;
    Tty?: unknown;
    OpenStdin?: unknown;
}

export interface InspectedHostConfig {
    AutoRemove?: unknown;
    ReadonlyRootfs?: unknown;
    Dns?: unknown;
    DnsOptions?: unknown;
    DnsSearch?: unknown;
    SecurityOpt?: unknown;
    PublishAllPorts?: unknown;
    RestartPolicy?: unknown;
    Init?: unknown;
    CapAdd?: unknown;
    CapDrop?: unknown;
    Runtime?: unknown;
    Mounts?: unknown;
    Tmpfs?: unknown;
    ExtraHosts?: unknown;
    Ulimits?: unknown;
    Privileged?: unknown;
    Devices?: unknown;
    DeviceRequests?: unknown;
    BlkioDeviceReadBps?: unknown;
    BlkioDeviceReadIOps?: unknown;
    BlkioDeviceWriteBps?: unknown;
    BlkioDeviceWriteIOps?: unknown;
    Memory?: unknown;
    MemoryReservation?: unknown;
    MemorySwap?: unknown;
    ShmSize?: unknown;
    NanoCpus?: unknown;
    CpuShares?: unknown;
    CpusetCpus?: unknown;
    LogConfig?: unknown;
    StorageOpt?: unknown;
    NetworkMode?: unknown;
    PidMode?: unknown;
    UsernsMode?: unknown;
    Sysctls?: unknown;
    IpcMode?: unknown;
    GroupAdd?: unknown;
}

export interface ContainerInspection {
    Name: unknown;
    Image: unknown;
    State: { Running?: unknown };
    Config: InspectedConfig;
    HostConfig: InspectedHostConfig;
    NetworkSettings?: { Ports?: unknown } | null;
}

/** What Read leaves in state: Pulumi input names → values (absent: neither declared nor read). */
export type ContainerState = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Checked access to the inspection

class Inspected {
    constructor(
        readonly where: string,
        readonly c: ContainerInspection,
    ) {}

    fail(path: string, message: string): never {
        throw new ReadBackError(`${this.where}: inspect field ${path} ${message}`);
    }

    string(value: unknown, path: string): string {
        if (value === undefined || value === null) return "";
        if (typeof value !== "string") this.fail(path, "is not a string");
        return value;
    }

    bool(value: unknown, path: string): boolean {
        if (value === undefined || value === null) return false;
        if (typeof value !== "boolean") this.fail(path, "is not a boolean");
        return value;
    }

    int(value: unknown, path: string): number {
        if (value === undefined || value === null) return 0;
        if (typeof value !== "number" || !Number.isSafeInteger(value)) this.fail(path, "is not an integer");
        return value;
    }

    strings(value: unknown, path: string): string[] {
        if (value === undefined || value === null) return [];
        if (typeof value === "string") return [value]; // Entrypoint may come as one string
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) this.fail(path, "is not a list of strings");
        return [...(value as string[])];
    }

    map(value: unknown, path: string): Record<string, string> {
        if (value === undefined || value === null) return {};
        if (typeof value !== "object" || Array.isArray(value)) this.fail(path, "is not a map");
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (typeof v !== "string") this.fail(`${path}.${k}`, "is not a string");
            out[k] = v;
        }
        return out;
    }

    record(value: unknown, path: string): Record<string, unknown> | undefined {
        if (value === undefined || value === null) return undefined;
        if (typeof value !== "object" || Array.isArray(value)) this.fail(path, "is not an object");
        return value as Record<string, unknown>;
    }

    list(value: unknown, path: string): unknown[] {
        if (value === undefined || value === null) return [];
        if (!Array.isArray(value)) this.fail(path, "is not a list");
        return value;
    }

    get config(): InspectedConfig {
        return this.c.Config ?? {};
    }

    get host(): InspectedHostConfig {
        return this.c.HostConfig ?? {};
    }

    get running(): boolean {
        return this.bool(this.c.State?.Running, "State.Running");
    }
}

/** Go's integer division of a byte count by MiB (truncates toward zero). */
const toMiB = (bytes: number): number => Math.trunc(bytes / MIB);

/** Go's Duration.String() of nanoseconds. */
const goDuration = (nanoseconds: number): string => formatGoDuration(nanoseconds);

/** Returned by a reader when Read leaves the field alone: state keeps the declared value. */
const KEEP: unique symbol = Symbol("keep");
type Reader = (i: Inspected, declared: Readonly<Record<string, unknown>>) => unknown;

// ---------------------------------------------------------------------------------------------
// One reader per field that Read sets from the daemon (keys must match `daemon` entries of
// CONTAINER_READ_BACK; checked at load below).

const READERS: Readonly<Record<string, Reader>> = {
    name: (i) => i.string(i.c.Name, "Name").replace(/^\/+/, ""),
    image: (i, declared) =>
        typeof declared["image"] === "string" && declared["image"].startsWith("sha256:")
            ? i.string(i.c.Image, "Image")
            : i.string(i.config.Image, "Config.Image"),
    command: (i) => i.strings(i.config.Cmd, "Config.Cmd"),
    entrypoints: (i) => i.strings(i.config.Entrypoint, "Config.Entrypoint"),
    user: (i) => i.string(i.config.User, "Config.User"),
    workingDir: (i) => i.string(i.config.WorkingDir, "Config.WorkingDir"),
    hostname: (i) => i.string(i.config.Hostname, "Config.Hostname"),
    domainname: (i) => i.string(i.config.Domainname, "Config.Domainname"),
    tty: (i) => i.bool(i.config.Tty, "Config.Tty"),
    stdinOpen: (i) => i.bool(i.config.OpenStdin, "Config.OpenStdin"),
    stopSignal: (i) => i.string(i.config.StopSignal, "Config.StopSignal"),
    stopTimeout: (i) => i.int(i.config.StopTimeout, "Config.StopTimeout"),
    healthcheck: readHealthcheck,
    init: (i) => i.bool(i.host.Init, "HostConfig.Init"),
    runtime: (i) => i.string(i.host.Runtime, "HostConfig.Runtime"),

    logDriver: (i) => i.string(i.record(i.host.LogConfig, "HostConfig.LogConfig")?.["Type"], "HostConfig.LogConfig.Type"),
    logOpts: (i) => i.map(i.record(i.host.LogConfig, "HostConfig.LogConfig")?.["Config"], "HostConfig.LogConfig.Config"),
    restart: (i) => i.string(i.record(i.host.RestartPolicy, "HostConfig.RestartPolicy")?.["Name"], "HostConfig.RestartPolicy.Name"),
    maxRetryCount: (i) =>
        i.int(i.record(i.host.RestartPolicy, "HostConfig.RestartPolicy")?.["MaximumRetryCount"], "HostConfig.RestartPolicy.MaximumRetryCount"),
    rm: (i) => i.bool(i.host.AutoRemove, "HostConfig.AutoRemove"),

    capabilities: (i) => {
        const adds = i.strings(i.host.CapAdd, "HostConfig.CapAdd");
        const drops = i.strings(i.host.CapDrop, "HostConfig.CapDrop");
        if (adds.length === 0 && drops.length === 0) return KEEP;
        return { adds, drops };
    },
    securityOpts: (i) => i.strings(i.host.SecurityOpt, "HostConfig.SecurityOpt"),
    readOnly: (i) => i.bool(i.host.ReadonlyRootfs, "HostConfig.ReadonlyRootfs"),
    privileged: (i) => i.bool(i.host.Privileged, "HostConfig.Privileged"),
    groupAdds: (i) => i.strings(i.host.GroupAdd, "HostConfig.GroupAdd"),
    sysctls: (i) => i.map(i.host.Sysctls, "HostConfig.Sysctls"),
    ipcMode: (i) => i.string(i.host.IpcMode, "HostConfig.IpcMode"),
    pidMode: (i) => i.string(i.host.PidMode, "HostConfig.PidMode"),
    usernsMode: (i) => i.string(i.host.UsernsMode, "HostConfig.UsernsMode"),

    memory: (i) => toMiB(i.int(i.host.Memory, "HostConfig.Memory")),
    memorySwap: (i) => {
        const swap = i.int(i.host.MemorySwap, "HostConfig.MemorySwap");
        return swap > 0 ? toMiB(swap) : swap;
    },
    memoryReservation: (i) => {
        const reservation = i.int(i.host.MemoryReservation, "HostConfig.MemoryReservation");
        return reservation > 0 ? toMiB(reservation) : reservation;
    },
    shmSize: (i) => toMiB(i.int(i.host.ShmSize, "HostConfig.ShmSize")),
    cpuShares: (i) => i.int(i.host.CpuShares, "HostConfig.CpuShares"),
    cpuSet: (i) => i.string(i.host.CpusetCpus, "HostConfig.CpusetCpus"),
    ulimits: (i) =>
        i.list(i.host.Ulimits, "HostConfig.Ulimits").map((u, n) => {
            const path = `HostConfig.Ulimits[${n}]`;
            const r = i.record(u, path) ?? i.fail(path, "is null");
            return { name: i.string(r["Name"], `${path}.Name`), soft: i.int(r["Soft"], `${path}.Soft`), hard: i.int(r["Hard"], `${path}.Hard`) };
        }),
    storageOpts: (i) => i.map(i.host.StorageOpt, "HostConfig.StorageOpt"),

    networkMode: (i) => i.string(i.host.NetworkMode, "HostConfig.NetworkMode"),
    ports: readPorts,
    publishAllPorts: (i) => i.bool(i.host.PublishAllPorts, "HostConfig.PublishAllPorts"),
    dns: (i) => i.strings(i.host.Dns, "HostConfig.Dns"),
    dnsOpts: (i) => i.strings(i.host.DnsOptions, "HostConfig.DnsOptions"),
    dnsSearches: (i) => i.strings(i.host.DnsSearch, "HostConfig.DnsSearch"),
    hosts: (i) =>
        i.strings(i.host.ExtraHosts, "HostConfig.ExtraHosts").map((entry) => {
            const parts = entry.split(":");
            return { host: parts[0] ?? "", ip: parts[1] ?? "" };
        }),

    tmpfs: (i) => i.map(i.host.Tmpfs, "HostConfig.Tmpfs"),

    mustRun: (i, declared) => (!i.running && (declared["mustRun"] ?? true) === true ? false : KEEP),
};

/** Config.Healthcheck, as Read stores it; the image's healthcheck counts when the program declares none. */
function readHealthcheck(i: Inspected): unknown {
    const hc = i.record(i.config.Healthcheck, "Config.Healthcheck");
    if (hc === undefined) return KEEP;
    const duration = (key: string): string => goDuration(i.int(hc[key], `Config.Healthcheck.${key}`));
    return {
        tests: i.strings(hc["Test"], "Config.Healthcheck.Test"),
        interval: duration("Interval"),
        timeout: duration("Timeout"),
        startPeriod: duration("StartPeriod"),
        startInterval: duration("StartInterval"),
        retries: i.int(hc["Retries"], "Config.Healthcheck.Retries"),
    };
}

/** flattenContainerPorts of NetworkSettings.Ports, read only while running or with must_run set. */
function readPorts(i: Inspected, declared: Readonly<Record<string, unknown>>): unknown {
    if (!i.running && (declared["mustRun"] ?? true) !== true) return KEEP;
    const ports = i.record(i.c.NetworkSettings?.Ports, "NetworkSettings.Ports") ?? {};
    const keys = Object.keys(ports).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    const out: Array<{ internal: number; external: number; ip: string; protocol: string }> = [];
    for (const key of keys) {
        const [port = "", protocol = ""] = key.split("/");
        for (const [n, binding] of i.list(ports[key], `NetworkSettings.Ports["${key}"]`).entries()) {
            const path = `NetworkSettings.Ports["${key}"][${n}]`;
            const b = i.record(binding, path) ?? i.fail(path, "is null");
            out.push({
                internal: goAtoi(port),
                external: goAtoi(i.string(b["HostPort"], `${path}.HostPort`)),
                ip: i.string(b["HostIp"], `${path}.HostIp`),
                protocol,
            });
        }
    }
    return out;
}

/** strconv.Atoi with the error ignored, as flattenContainerPorts does: 0 unless all decimal digits. */
function goAtoi(text: string): number {
    return /^[+-]?\d+$/.test(text) ? Number(text) : 0;
}

// ---------------------------------------------------------------------------------------------
// Fields Read sets from the daemon that this model does not flatten: the daemon must report none.

const UNMODELLED_DAEMON_VALUES: Readonly<Record<string, (i: Inspected) => boolean>> = {
    mounts: (i) => i.list(i.host.Mounts, "HostConfig.Mounts").length > 0,
    devices: (i) => i.list(i.host.Devices, "HostConfig.Devices").length > 0,
    deviceRequests: (i) => i.list(i.host.DeviceRequests, "HostConfig.DeviceRequests").length > 0,
    cpus: (i) => i.int(i.host.NanoCpus, "HostConfig.NanoCpus") > 0,
    deviceReadBps: (i) => i.list(i.host.BlkioDeviceReadBps, "HostConfig.BlkioDeviceReadBps").length > 0,
    deviceReadIops: (i) => i.list(i.host.BlkioDeviceReadIOps, "HostConfig.BlkioDeviceReadIOps").length > 0,
    deviceWriteBps: (i) => i.list(i.host.BlkioDeviceWriteBps, "HostConfig.BlkioDeviceWriteBps").length > 0,
    deviceWriteIops: (i) => i.list(i.host.BlkioDeviceWriteIOps, "HostConfig.BlkioDeviceWriteIOps").length > 0,
};

// The tables must agree: a daemon field without a reader would silently keep the declared value.
for (const [field, model] of Object.entries(CONTAINER_READ_BACK) as Array<[string, FieldModel]>) {
    if (model.read === "daemon" && READERS[field] === undefined) throw new Error(`readBack: no reader for ${field}`);
    if (model.read !== "daemon" && READERS[field] !== undefined) throw new Error(`readBack: ${field} has a reader but is not read`);
}

// ---------------------------------------------------------------------------------------------
// Entry point

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The inputs a program declares: an undefined value is an unset input, as in a parsed plan. */
export function declaredInputs(resource: PlanResource): Record<string, unknown> {
    return Object.fromEntries(Object.entries(resource.inputs).filter(([, value]) => value !== undefined));
}

/** Refuses a declared input this model does not know, naming it (nested keys included). */
export function checkModelled(resource: PlanResource): void {
    const where = describe(resource);
    if (resource.type !== RESOURCE_TYPES.container) {
        throw new ReadBackError(`${where}: only ${RESOURCE_TYPES.container} resources are modelled`);
    }
    const models = CONTAINER_READ_BACK as Readonly<Record<string, FieldModel>>;
    const nested: Readonly<Record<string, readonly string[]>> = {
        healthcheck: HEALTHCHECK_FIELDS,
        capabilities: CAPABILITIES_FIELDS,
    };
    for (const [field, value] of Object.entries(declaredInputs(resource))) {
        const model = models[field];
        if (model === undefined) throw new ReadBackError(`${where}: input "${field}" is not a container input the read-back model knows`);
        if (model.read === "unmodelled") {
            throw new ReadBackError(`${where}: input "${field}" is not modelled by the read-back check (${model.reason})`);
        }
        const keys = nested[field];
        if (keys !== undefined) {
            if (!isRecord(value)) throw new ReadBackError(`${where}: input "${field}" must be an object`);
            for (const key of Object.keys(value)) {
                if (!keys.includes(key)) throw new ReadBackError(`${where}: input "${field}.${key}" is not modelled by the read-back check`);
            }
        }
        if (field === "ports") {
            if (!Array.isArray(value)) throw new ReadBackError(`${where}: input "ports" must be a list`);
            value.forEach((p, n) => {
                if (!isRecord(p)) throw new ReadBackError(`${where}: input "ports[${n}]" must be an object`);
                for (const key of Object.keys(p)) {
                    if (!(PORT_FIELDS as readonly string[]).includes(key)) {
                        throw new ReadBackError(`${where}: input "ports[${n}].${key}" is not modelled by the read-back check`);
                    }
                }
            });
        }
    }
}

/**
 * The state the provider's Read stores for a container that was created from `resource` and that
 * `docker inspect` describes as `inspection`. Fields Read sets come from the inspection; the
 * others keep the declared value (absent when undeclared). Throws ReadBackError for a declared
 * input the model does not cover and for daemon values of unmodelled fields.
 */
export function readBackContainer(resource: PlanResource, inspection: ContainerInspection): ContainerState {
    checkModelled(resource);
    const where = describe(resource);
    const i = new Inspected(where, inspection);
    const declared = declaredInputs(resource);
    const out: ContainerState = {};
    for (const [field, model] of Object.entries(CONTAINER_READ_BACK) as Array<[string, FieldModel]>) {
        if (model.read === "unmodelled") {
            const reports = UNMODELLED_DAEMON_VALUES[field];
            if (reports !== undefined && reports(i)) {
                throw new ReadBackError(`${where}: the daemon reports a value for "${field}", which Read stores but this model does not reproduce (${model.reason})`);
            }
            continue;
        }
        const value = model.read === "daemon" ? (READERS[field] as Reader)(i, declared) : KEEP;
        if (value === KEEP) {
            if (field in declared) out[field] = structuredClone(declared[field]);
        } else {
            out[field] = value;
        }
    }
    return out;
}

export { proposedChanges, describeChanges } from "./proposedChanges";
export type { ProposedChange, ChangeEffect } from "./proposedChanges";
