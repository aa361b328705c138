// The container create request, as resource_docker_container_funcs.go and
// resource_docker_container_structures.go of the provider build it, and what the realizer does
// around it (network connections, uploads, the provider-only lifecycle settings).
//
// containerCreateOptions opens the resource and hands one shared ContainerMapping to a function
// per concern; each reads its own fields and fills in its part of the request. Storage (volumes,
// mounts, tmpfs, uploads) lives in containerStorage.ts.

import type Dockerode from "dockerode";

import { mapStorage, uploadSpecs } from "./containerStorage";
import { FieldReader, definedOnly, maxVersion, parseCpus, parseGpus, readResource } from "./fieldReader";
import {
    CAPABILITIES_KEYS,
    CONTAINER_FIELDS,
    DEVICE_KEYS,
    DEVICE_REQUEST_KEYS,
    FieldRule,
    HEALTHCHECK_KEYS,
    HOST_KEYS,
    NETWORKS_ADVANCED_KEYS,
    PORT_KEYS,
    THROTTLE_KEYS,
    ULIMIT_KEYS,
} from "./fieldTables";
import { LabelOptions } from "./networkVolumeMapping";
import { PlanResource, RESOURCE_TYPES } from "./plan";

const MIB = 1024 * 1024;

const RESTART_POLICIES = ["no", "on-failure", "always", "unless-stopped"] as const;
const PORT_PROTOCOLS = ["tcp", "udp", "sctp"] as const;

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

export interface ContainerOptionsInput extends LabelOptions {
    /** The image to run (the local image, or its id), replacing the plan's placeholder. */
    image: string;
}

/** What every part of the container mapping reads from and writes to. */
export interface ContainerMapping {
    readonly r: FieldReader;
    readonly inputs: Record<string, unknown>;
    readonly options: ContainerCreateSpec;
    readonly hostConfig: HostConfigSpec;
    /** Raises the lowest engine API version the request needs (for nested fields the table cannot name). */
    requireApi(version: string): void;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * The container create request for a plan Container and what to do around it: network
 * connections after create, uploads before start, and the provider-only lifecycle settings.
 */
export function containerCreateOptions(resource: PlanResource, input: ContainerOptionsInput): ContainerSpec {
    const { reader: r, inputs } = readResource(resource, RESOURCE_TYPES.container, CONTAINER_FIELDS);
    let requiredApiVersion = "1.25";
    const requireApi = (version: string): void => {
        requiredApiVersion = maxVersion(requiredApiVersion, version);
    };
    for (const field of Object.keys(inputs)) {
        const rule = (CONTAINER_FIELDS as Record<string, FieldRule>)[field];
        if (rule?.kind === "api" && rule.minApi !== undefined) requireApi(rule.minApi);
    }

    r.requiredString(inputs["image"], "image");
    const hostConfig: HostConfigSpec = {};
    const options: ContainerCreateSpec = {
        name: r.string(inputs["name"], "name") ?? resource.name,
        Image: input.image,
        HostConfig: hostConfig,
    };
    const c: ContainerMapping = { r, inputs, options, hostConfig, requireApi };

    mapProcess(c, input.labels);
    mapNetworking(c);
    const volumeReferences = mapStorage(c);
    mapSecurity(c);
    mapResources(c);
    mapLimits(c);
    mapDevices(c);
    const networkConnections = networkConnectionsOf(c);
    const uploads = uploadSpecs(c);
    // Last: its cross-field check (wait needs start) speaks only once every field has been read.
    const lifecycle = mapLifecycle(c);

    return {
        options,
        disconnectDefaultBridge: networkConnections.length > 0,
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

// ---------------------------------------------------------------------------------------------
// Process: what runs, with which environment, labels and logging

function mapProcess(c: ContainerMapping, runLabels: Record<string, string>): void {
    const { r, inputs, options, hostConfig } = c;
    const command = r.strings(inputs["command"], "command");
    if (command !== undefined) {
        command.forEach((part, i) => {
            if (part === "") r.fail(`command[${i}]`, "is empty; the provider refuses empty command values");
        });
        options.Cmd = command;
    }
    const platform = r.string(inputs["platform"], "platform");
    if (platform !== undefined) options.platform = platform;
    const tty = r.boolean(inputs["tty"], "tty");
    if (tty !== undefined) options.Tty = tty;
    const stdinOpen = r.boolean(inputs["stdinOpen"], "stdinOpen");
    if (stdinOpen !== undefined) options.OpenStdin = stdinOpen;
    const envs = r.strings(inputs["envs"], "envs");
    if (envs !== undefined) options.Env = envs;
    const entrypoints = r.strings(inputs["entrypoints"], "entrypoints");
    if (entrypoints !== undefined) options.Entrypoint = entrypoints;
    const workingDir = r.string(inputs["workingDir"], "workingDir");
    if (workingDir !== undefined) options.WorkingDir = workingDir;
    options.Labels = { ...(r.labels(inputs["labels"], "labels") ?? {}), ...runLabels };

    const runtime = r.string(inputs["runtime"], "runtime");
    if (runtime !== undefined) hostConfig.Runtime = runtime;
    hostConfig.Init = r.boolean(inputs["init"], "init") ?? false;
    const logDriver = r.string(inputs["logDriver"], "logDriver");
    const logOpts = r.stringMap(inputs["logOpts"], "logOpts");
    if (logDriver !== undefined || logOpts !== undefined) {
        hostConfig.LogConfig = { Type: logDriver ?? "", Config: logOpts ?? {} };
    }
}

// ---------------------------------------------------------------------------------------------
// Networking: names, ports, DNS, and the networks connected after create

function mapNetworking(c: ContainerMapping): void {
    const { r, inputs, options, hostConfig } = c;
    mapPorts(c);
    const publishAllPorts = r.boolean(inputs["publishAllPorts"], "publishAllPorts");
    if (publishAllPorts !== undefined) hostConfig.PublishAllPorts = publishAllPorts;
    const hostname = r.string(inputs["hostname"], "hostname");
    if (hostname !== undefined) options.Hostname = hostname;
    const domainname = r.string(inputs["domainname"], "domainname");
    if (domainname !== undefined) options.Domainname = domainname;
    // The schema's Default is "bridge", and Create sends it (GetOk sees the default as set): without
    // it the daemon records "default", which Read stores and the next diff replaces the container for.
    hostConfig.NetworkMode = r.string(inputs["networkMode"], "networkMode") ?? "bridge";

    const dns = r.strings(inputs["dns"], "dns");
    if (dns !== undefined) hostConfig.Dns = dns;
    const dnsOpts = r.strings(inputs["dnsOpts"], "dnsOpts");
    if (dnsOpts !== undefined) hostConfig.DnsOptions = dnsOpts;
    const dnsSearches = r.strings(inputs["dnsSearches"], "dnsSearches");
    if (dnsSearches !== undefined) hostConfig.DnsSearch = dnsSearches;
    const hosts = r.objects(inputs["hosts"], "hosts", HOST_KEYS);
    if (hosts !== undefined && hosts.length > 0) {
        hostConfig.ExtraHosts = hosts.map(
            (h, i) => `${r.requiredString(h["host"], `hosts[${i}].host`)}:${r.requiredString(h["ip"], `hosts[${i}].ip`)}`,
        );
    }
}

/** ports → Config.ExposedPorts + HostConfig.PortBindings. */
function mapPorts(c: ContainerMapping): void {
    const { r, inputs, options, hostConfig } = c;
    const ports = r.objects(inputs["ports"], "ports", PORT_KEYS);
    if (ports === undefined || ports.length === 0) return;
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

/** networksAdvanced → one connection per network, made after create, in declaration order. */
function networkConnectionsOf(c: ContainerMapping): NetworkConnection[] {
    const networksAdvanced = c.r.objects(c.inputs["networksAdvanced"], "networksAdvanced", NETWORKS_ADVANCED_KEYS);
    return (networksAdvanced ?? []).map((n, i) => networkConnection(c, n, `networksAdvanced[${i}]`));
}

function networkConnection(c: ContainerMapping, n: Record<string, unknown>, path: string): NetworkConnection {
    const { r } = c;
    const endpoint: EndpointSpec = {};
    const aliases = r.strings(n["aliases"], `${path}.aliases`);
    if (aliases !== undefined) endpoint.Aliases = aliases;
    const ipam: Dockerode.IPAMConfig = definedOnly({
        IPv4Address: r.string(n["ipv4Address"], `${path}.ipv4Address`),
        IPv6Address: r.string(n["ipv6Address"], `${path}.ipv6Address`),
        LinkLocalIPs: r.strings(n["linkLocalIps"], `${path}.linkLocalIps`),
    });
    if (Object.keys(ipam).length > 0) endpoint.IPAMConfig = ipam;
    const mac = r.string(n["macAddress"], `${path}.macAddress`);
    if (mac !== undefined) {
        endpoint.MacAddress = mac;
        c.requireApi("1.44");
    }
    const driverOpts = r.strings(n["driverOpts"], `${path}.driverOpts`);
    if (driverOpts !== undefined) endpoint.DriverOpts = keyValueMap(r, driverOpts, `${path}.driverOpts`);
    const gwPriority = r.integer(n["gwPriority"], `${path}.gwPriority`);
    if (gwPriority !== undefined) {
        endpoint.GwPriority = gwPriority;
        c.requireApi("1.48");
    }
    return { network: r.requiredString(n["name"], `${path}.name`), endpoint };
}

/** A list of "key=value" strings as a map; the key must not be empty. */
function keyValueMap(r: FieldReader, items: string[], path: string): Record<string, string> {
    return Object.fromEntries(
        items.map((kv, j) => {
            const eq = kv.indexOf("=");
            if (eq <= 0) r.fail(`${path}[${j}]`, "must be key=value");
            return [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
    );
}

// ---------------------------------------------------------------------------------------------
// Security and isolation: who the process runs as, what it may do, which namespaces it shares

function mapSecurity(c: ContainerMapping): void {
    const { r, inputs, options, hostConfig } = c;
    if (inputs["capabilities"] !== undefined) {
        const caps = r.object(inputs["capabilities"], "capabilities", CAPABILITIES_KEYS);
        hostConfig.CapAdd = r.strings(caps["adds"], "capabilities.adds") ?? [];
        hostConfig.CapDrop = r.strings(caps["drops"], "capabilities.drops") ?? [];
    }
    const user = r.string(inputs["user"], "user");
    if (user !== undefined) options.User = user;
    const groupAdds = r.strings(inputs["groupAdds"], "groupAdds");
    if (groupAdds !== undefined) hostConfig.GroupAdd = groupAdds;
    const privileged = r.boolean(inputs["privileged"], "privileged");
    if (privileged !== undefined) hostConfig.Privileged = privileged;
    const readOnly = r.boolean(inputs["readOnly"], "readOnly");
    if (readOnly !== undefined) hostConfig.ReadonlyRootfs = readOnly;
    const securityOpts = r.strings(inputs["securityOpts"], "securityOpts");
    if (securityOpts !== undefined) hostConfig.SecurityOpt = securityOpts;

    const usernsMode = r.string(inputs["usernsMode"], "usernsMode");
    if (usernsMode !== undefined) hostConfig.UsernsMode = usernsMode;
    const pidMode = r.string(inputs["pidMode"], "pidMode");
    if (pidMode !== undefined) hostConfig.PidMode = pidMode;
    const ipcMode = r.string(inputs["ipcMode"], "ipcMode");
    if (ipcMode !== undefined) hostConfig.IpcMode = ipcMode;
    const sysctls = r.stringMap(inputs["sysctls"], "sysctls");
    if (sysctls !== undefined) hostConfig.Sysctls = sysctls;
}

// ---------------------------------------------------------------------------------------------
// Resources and limits: memory, CPU, cgroup, ulimits, block-I/O throttles

/**
 * memory, memoryReservation, memorySwap and shmSize as resourceDockerContainerCreate sends them
 * (internal/provider/resource_docker_container_funcs.go @ a154e9ceb16a78dc882da7729df123d99300b7c4):
 * each inside `if v, ok := d.GetOk(...)`, the MB of the schema times 1024 × 1024, because the
 * engine takes bytes (`hostConfig.ShmSize = int64(v.(int)) * 1024 * 1024`); memory_swap only when
 * > 0, so -1 (unlimited) goes as is. Read divides by 1024 × 1024 again (readBack.ts), so a size that
 * is not a whole MB cannot be declared. GetOk skips a 0, which the engine takes as "unset" anyway.
 */
function mapResources(c: ContainerMapping): void {
    const { r, inputs, hostConfig } = c;
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
}

function mapLimits(c: ContainerMapping): void {
    const { r, inputs, hostConfig } = c;
    const ulimits = r.objects(inputs["ulimits"], "ulimits", ULIMIT_KEYS);
    if (ulimits !== undefined && ulimits.length > 0) {
        hostConfig.Ulimits = ulimits.map((u, i) => ({
            Name: r.requiredString(u["name"], `ulimits[${i}].name`),
            Soft: r.requiredInteger(u["soft"], `ulimits[${i}].soft`),
            Hard: r.requiredInteger(u["hard"], `ulimits[${i}].hard`),
        }));
    }

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
}

// ---------------------------------------------------------------------------------------------
// Devices: device nodes, cgroup rules, device requests (GPUs)

function mapDevices(c: ContainerMapping): void {
    const { r, inputs, hostConfig } = c;
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
    const deviceRequests = deviceRequestsOf(c);
    if (deviceRequests.length > 0) hostConfig.DeviceRequests = deviceRequests;
}

/** `gpus` (parsed as `docker run --gpus` does) first, then the declared deviceRequests. */
function deviceRequestsOf(c: ContainerMapping): Dockerode.DeviceRequest[] {
    const { r, inputs } = c;
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
    return deviceRequests;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle: restart, stop and health on the engine, and the provider-only settings

/**
 * resourceDockerContainerCreate (@ a154e9ceb16a78dc882da7729df123d99300b7c4) builds Config with
 * `StopSignal: d.Get("stop_signal").(string)` and `StopTimeout` a pointer set only under
 * GetOk("stop_timeout"); an empty StopSignal lets the engine use the image's STOPSIGNAL (SIGTERM
 * without one), so leaving it out when undeclared is the same request. The stop signal is what
 * ContainerStop sends first on Delete (see Realizer.removeContainerRecord); PostgreSQL takes
 * SIGINT as a fast shutdown, SIGTERM as a smart one that waits for every client.
 */
function mapLifecycle(c: ContainerMapping): ContainerLifecycle {
    const { r, inputs, options, hostConfig } = c;
    const restart = r.oneOf(inputs["restart"], "restart", RESTART_POLICIES) ?? "no";
    const maxRetryCount = r.integer(inputs["maxRetryCount"], "maxRetryCount", 0);
    hostConfig.RestartPolicy = { Name: restart, MaximumRetryCount: maxRetryCount ?? 0 };
    const rm = r.boolean(inputs["rm"], "rm");
    if (rm !== undefined) hostConfig.AutoRemove = rm;
    const stopSignal = r.string(inputs["stopSignal"], "stopSignal");
    if (stopSignal !== undefined) options.StopSignal = stopSignal;
    const stopTimeout = r.integer(inputs["stopTimeout"], "stopTimeout");
    if (stopTimeout !== undefined) options.StopTimeout = stopTimeout;
    if (inputs["healthcheck"] !== undefined) options.Healthcheck = healthcheckConfig(c);
    return providerLifecycle(r, inputs);
}

/** healthcheck → Config.Healthcheck, Go durations in nanoseconds. */
function healthcheckConfig(c: ContainerMapping): Dockerode.HealthConfig {
    const { r } = c;
    const hc = r.object(c.inputs["healthcheck"], "healthcheck", HEALTHCHECK_KEYS);
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
        c.requireApi("1.44");
    }
    const retries = r.integer(hc["retries"], "healthcheck.retries", 0);
    if (retries !== undefined) health.Retries = retries;
    return health;
}

/** The fields in PROVIDER_ONLY_CONTAINER_FIELDS, with the provider's defaults. */
function providerLifecycle(r: FieldReader, inputs: Record<string, unknown>): ContainerLifecycle {
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
    return lifecycle;
}
