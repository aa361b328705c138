// The container schema facts that decide what a second `pulumi up` proposes, one entry per
// ContainerArgs input: how the provider's Read fills the field in state, and how the Terraform
// SDK's diff compares that state with the program (type, Optional+Computed, schema Default,
// DiffSuppressFunc). Sources and the reasoning are in the header of readBack.ts; the schema facts
// come from internal/provider/resource_docker_container.go @ 6bee3efa6c55d25a63d2ce47f8d0d2fac141d6ed.

import type { ContainerArgs } from "@pulumi/docker/container";

/**
 * The Terraform type of a field, as far as the diff cares:
 * - `string` / `bool` / `int`: scalars;
 * - `list`: TypeList of strings (order matters);
 * - `set`: TypeSet of strings (order and duplicates do not matter);
 * - `map`: TypeMap of strings;
 * - `objectSet`: TypeSet of blocks, compared as a set of whole blocks (`keys` are the block's fields);
 * - `healthcheck`: the TypeList MaxItems 1 block, compared field by field with its nested defaults;
 * - `capabilities`: the TypeSet MaxItems 1 block of two string sets (`adds`, `drops`);
 * - `ports`: the TypeList of port blocks whose DiffSuppressFunc matches blocks by internal port.
 */
export type Shape =
    | { readonly kind: "string" }
    | { readonly kind: "bool" }
    | { readonly kind: "int" }
    | { readonly kind: "list" }
    | { readonly kind: "set" }
    | { readonly kind: "map" }
    | { readonly kind: "objectSet"; readonly keys: readonly string[] }
    | { readonly kind: "healthcheck" }
    | { readonly kind: "capabilities" }
    | { readonly kind: "ports" };

/**
 * How Read treats a field:
 * - `daemon`: Read overwrites state with what `docker inspect` reports (readBack.ts has the reader);
 * - `state`: Read never touches it, so state keeps what the program declared at create.
 * `unmodelled` fields are refused when declared (and, for those Read sets from the daemon, when
 * the daemon reports anything for them), so the check can never pass on a field it does not know.
 */
export interface ModelledField {
    readonly read: "daemon" | "state";
    /** Terraform attribute name, for messages and for checking against the provider source. */
    readonly tf: string;
    readonly shape: Shape;
    /** Optional+Computed: when the program leaves it unset, whatever Read stored shows no diff. */
    readonly computed?: boolean;
    /** The schema's Default: what an unset input means in the diff. */
    readonly default?: string | number | boolean;
    /** DiffSuppressFunc "treat '' as a no-op": an empty or unset program value shows no diff. */
    readonly emptyIsNoChange?: boolean;
}

export interface UnmodelledField {
    readonly read: "unmodelled";
    readonly tf: string;
    readonly reason: string;
}

export type FieldModel = ModelledField | UnmodelledField;

const STRING: Shape = { kind: "string" };
const BOOL: Shape = { kind: "bool" };
const INT: Shape = { kind: "int" };
const LIST: Shape = { kind: "list" };
const SET: Shape = { kind: "set" };
const MAP: Shape = { kind: "map" };

const daemon = (tf: string, shape: Shape, extra: Omit<ModelledField, "read" | "tf" | "shape"> = {}): ModelledField => ({ read: "daemon", tf, shape, ...extra });
const state = (tf: string, shape: Shape, extra: Omit<ModelledField, "read" | "tf" | "shape"> = {}): ModelledField => ({ read: "state", tf, shape, ...extra });
const unmodelled = (tf: string, reason: string): UnmodelledField => ({ read: "unmodelled", tf, reason });

/** Every ContainerArgs input of @pulumi/docker 5.2.0; the type makes a missing entry a compile error. */
export const CONTAINER_READ_BACK: { readonly [K in keyof ContainerArgs]-?: FieldModel } = {
    // --- identity and process
    name: daemon("name", STRING), // Required; Read: container.Name without the leading "/"
    image: daemon("image", STRING), // Required; Read: .Image when the state value starts with sha256:, else .Config.Image
    command: daemon("command", LIST, { computed: true }),
    entrypoints: daemon("entrypoint", LIST, { computed: true }),
    user: daemon("user", STRING, { emptyIsNoChange: true }),
    workingDir: daemon("working_dir", STRING, { emptyIsNoChange: true }),
    hostname: daemon("hostname", STRING, { computed: true }),
    domainname: daemon("domainname", STRING),
    envs: state("env", SET, { computed: true }), // "We decided not to set the environment variables and labels"
    labels: state("labels", { kind: "objectSet", keys: ["label", "value"] }, { computed: true }),
    tty: daemon("tty", BOOL, { default: false }),
    stdinOpen: daemon("stdin_open", BOOL, { default: false }),
    stopSignal: daemon("stop_signal", STRING, { computed: true }),
    stopTimeout: daemon("stop_timeout", INT, { computed: true }),
    healthcheck: daemon("healthcheck", { kind: "healthcheck" }, { computed: true }),
    init: daemon("init", BOOL, { computed: true }),
    runtime: daemon("runtime", STRING, { computed: true }),
    platform: state("platform", STRING, { computed: true }),

    // --- logging and restart
    logDriver: daemon("log_driver", STRING, { computed: true }),
    logOpts: daemon("log_opts", MAP),
    restart: daemon("restart", STRING, { default: "no" }),
    maxRetryCount: daemon("max_retry_count", INT),
    rm: daemon("rm", BOOL, { default: false }),

    // --- security and isolation
    capabilities: daemon("capabilities", { kind: "capabilities" }),
    securityOpts: daemon("security_opts", SET, { computed: true }),
    readOnly: daemon("read_only", BOOL, { default: false }),
    privileged: daemon("privileged", BOOL),
    groupAdds: daemon("group_add", SET),
    sysctls: daemon("sysctls", MAP),
    ipcMode: daemon("ipc_mode", STRING, { computed: true }),
    pidMode: daemon("pid_mode", STRING),
    usernsMode: daemon("userns_mode", STRING),
    cgroupnsMode: state("cgroupns_mode", STRING),
    cgroupParent: state("cgroup_parent", STRING),

    // --- resources
    memory: daemon("memory", INT),
    memorySwap: daemon("memory_swap", INT),
    memoryReservation: daemon("memory_reservation", INT, { default: 0 }),
    shmSize: daemon("shm_size", INT, { computed: true }),
    cpuShares: daemon("cpu_shares", INT),
    cpuSet: daemon("cpu_set", STRING),
    cpuPeriod: state("cpu_period", INT),
    cpuQuota: state("cpu_quota", INT),
    cpus: unmodelled("cpus", "Read formats NanoCpus with nanoInt64ToDecimalString, which this model does not reproduce"),
    ulimits: daemon("ulimit", { kind: "objectSet", keys: ["name", "soft", "hard"] }),
    storageOpts: daemon("storage_opts", MAP),

    // --- networking
    networkMode: daemon("network_mode", STRING, { default: "bridge" }),
    networksAdvanced: state("networks_advanced", {
        kind: "objectSet",
        keys: ["name", "aliases", "ipv4Address", "ipv6Address", "linkLocalIps", "macAddress", "driverOpts", "gwPriority"],
    }),
    ports: daemon("ports", { kind: "ports" }),
    publishAllPorts: daemon("publish_all_ports", BOOL),
    dns: daemon("dns", SET),
    dnsOpts: daemon("dns_opts", SET),
    dnsSearches: daemon("dns_search", SET),
    hosts: daemon("host", { kind: "objectSet", keys: ["host", "ip"] }),

    // --- storage
    volumes: state("volumes", {
        kind: "objectSet",
        keys: ["containerPath", "volumeName", "hostPath", "fromContainer", "readOnly", "selinuxRelabel"],
    }),
    tmpfs: daemon("tmpfs", MAP),
    uploads: state("upload", {
        kind: "objectSet",
        keys: ["file", "content", "contentBase64", "source", "sourceHash", "executable", "permissions", "owner", "group"],
    }),
    mounts: unmodelled("mounts", "Read flattens HostConfig.Mounts with getDockerContainerMounts, which this model does not reproduce"),

    // --- devices
    devices: unmodelled("devices", "Read flattens HostConfig.Devices with flattenDevices, not reproduced here"),
    deviceRequests: unmodelled("device_requests", "Read rebuilds device_requests and gpus from HostConfig.DeviceRequests, not reproduced here"),
    gpus: unmodelled("gpus", "Read rebuilds gpus from HostConfig.DeviceRequests, not reproduced here"),
    deviceCgroupRules: unmodelled("device_cgroup_rules", "newer than the provider source this model follows"),
    deviceReadBps: unmodelled("device_read_bps", "Read flattens the blkio throttles with flattenThrottleDevices, not reproduced here"),
    deviceReadIops: unmodelled("device_read_iops", "Read flattens the blkio throttles with flattenThrottleDevices, not reproduced here"),
    deviceWriteBps: unmodelled("device_write_bps", "Read flattens the blkio throttles with flattenThrottleDevices, not reproduced here"),
    deviceWriteIops: unmodelled("device_write_iops", "Read flattens the blkio throttles with flattenThrottleDevices, not reproduced here"),

    // --- provider-only: used by Create or Delete, never read from Docker
    start: state("start", BOOL, { default: true }),
    attach: state("attach", BOOL, { default: false }),
    logs: state("logs", BOOL, { default: false }),
    wait: state("wait", BOOL, { default: false }),
    waitTimeout: state("wait_timeout", INT, { default: 60 }),
    destroyGraceSeconds: state("destroy_grace_seconds", INT),
    removeVolumes: state("remove_volumes", BOOL, { default: true }),
    containerReadRefreshTimeoutMilliseconds: state("container_read_refresh_timeout_milliseconds", INT, { default: 15000 }),
    // Read sets it to false when it finds the container stopped; otherwise state keeps it.
    mustRun: daemon("must_run", BOOL, { default: true }),
};

/** Keys of the nested blocks this model compares (any other declared key is refused). */
export const HEALTHCHECK_FIELDS = ["tests", "interval", "timeout", "startPeriod", "startInterval", "retries"] as const;
export const CAPABILITIES_FIELDS = ["adds", "drops"] as const;
export const PORT_FIELDS = ["internal", "external", "ip", "protocol"] as const;
