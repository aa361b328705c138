// Field tables: every input field of the @pulumi/docker resources the realizer maps, and where
// each one lands in the Docker Engine API. The mapping modules consult them, and the types make a
// field the provider adds but the tables forget a compile error.

import type { ContainerArgs } from "@pulumi/docker/container";
import type { NetworkArgs } from "@pulumi/docker/network";
import type { VolumeArgs } from "@pulumi/docker/volume";
import type { RemoteImageArgs } from "@pulumi/docker/remoteImage";
import type * as dockerInput from "@pulumi/docker/types/input";

/** Label put on every object the realizer creates; its value is the run label. */
export const RUN_LABEL_KEY = "openwebui-valkey.test-run";

// ---------------------------------------------------------------------------------------------
// Top-level fields

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
 * container to exit; destroy then skips the stop) and `destroyGraceSeconds` (stop timeout before
 * removal; 0 when unset, as the provider stops every container it deletes). `logs`,
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
    destroyGraceSeconds: providerOnly("stop timeout before removal (0 when unset: SIGTERM, then SIGKILL at once)"),
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
    networkMode: api("HostConfig.NetworkMode (default 'bridge', the schema's Default, which Create sends)"),
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
    shmSize: api("HostConfig.ShmSize (the provider takes MB, the engine bytes: MB × 1024 × 1024)"),
    start: providerOnly("start the container after create (default true)"),
    stdinOpen: api("Config.OpenStdin"),
    stopSignal: api("Config.StopSignal (as given; unset, the image's STOPSIGNAL, else SIGTERM)"),
    stopTimeout: api("Config.StopTimeout"),
    storageOpts: api("HostConfig.StorageOpt"),
    sysctls: api("HostConfig.Sysctls"),
    tmpfs: api("HostConfig.Tmpfs"),
    tty: api("Config.Tty"),
    ulimits: api("HostConfig.Ulimits [{Name, Soft, Hard}]"),
    uploads: api("PUT /containers/{id}/archive (a tar at /, copyUIDGID off: the header's mode, uid and gid stay) before start"),
    user: api("Config.User"),
    usernsMode: api("HostConfig.UsernsMode"),
    volumes: api("HostConfig.Binds ('source:path:rw|ro[,z]') + Config.Volumes + HostConfig.VolumesFrom"),
    wait: providerOnly("after start, wait until the container is healthy"),
    waitTimeout: providerOnly("seconds to wait for healthy (default 60)"),
    workingDir: api("Config.WorkingDir"),
};

/** Networks and volumes take their name and labels alike (see networkVolumeMapping.ts). */
const NAME_AND_LABELS = {
    labels: api("Labels (list of {label, value} → map)"),
    name: api("Name (default: the resource name)"),
} as const;

export const NETWORK_FIELDS: { readonly [K in keyof NetworkArgs]-?: FieldRule } = {
    attachable: api("Attachable"),
    driver: api("Driver"),
    ingress: api("Ingress"),
    internal: api("Internal"),
    ipamConfigs: api("IPAM.Config [{Subnet, IPRange, Gateway, AuxiliaryAddresses}]"),
    ipamDriver: api("IPAM.Driver"),
    ipamOptions: api("IPAM.Options"),
    ipv6: api("EnableIPv6"),
    ...NAME_AND_LABELS,
    options: api("Options"),
};

export const VOLUME_FIELDS: { readonly [K in keyof VolumeArgs]-?: FieldRule } = {
    cluster: { kind: "unsupported", reason: "cluster volumes need a swarm manager" },
    driver: api("Driver"),
    driverOpts: api("DriverOpts"),
    ...NAME_AND_LABELS,
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

// ---------------------------------------------------------------------------------------------
// Keys of the nested input objects: FieldReader.object refuses any other key, so a nested field
// the realizer does not map fails loudly as well.

/** Lists the keys of T; the argument must name each of them, so the list stays complete. */
function keysOf<T>(record: { readonly [K in keyof T]-?: true }): readonly string[] {
    return Object.keys(record);
}

export const CAPABILITIES_KEYS = keysOf<dockerInput.ContainerCapabilities>({ adds: true, drops: true });
export const HEALTHCHECK_KEYS = keysOf<dockerInput.ContainerHealthcheck>({
    interval: true, retries: true, startInterval: true, startPeriod: true, tests: true, timeout: true,
});
export const PORT_KEYS = keysOf<dockerInput.ContainerPort>({ external: true, internal: true, ip: true, protocol: true });
export const VOLUME_KEYS = keysOf<dockerInput.ContainerVolume>({
    containerPath: true, fromContainer: true, hostPath: true, readOnly: true, selinuxRelabel: true, volumeName: true,
});
export const MOUNT_KEYS = keysOf<dockerInput.ContainerMount>({
    bindOptions: true, readOnly: true, source: true, target: true, tmpfsOptions: true, type: true, volumeOptions: true,
});
export const BIND_OPTIONS_KEYS = keysOf<dockerInput.ContainerMountBindOptions>({ propagation: true });
export const TMPFS_OPTIONS_KEYS = keysOf<dockerInput.ContainerMountTmpfsOptions>({ mode: true, sizeBytes: true });
export const VOLUME_OPTIONS_KEYS = keysOf<dockerInput.ContainerMountVolumeOptions>({
    driverName: true, driverOptions: true, labels: true, noCopy: true, subpath: true,
});
export const LABEL_KEYS = keysOf<dockerInput.ContainerLabel>({ label: true, value: true });
export const NETWORKS_ADVANCED_KEYS = keysOf<dockerInput.ContainerNetworksAdvanced>({
    aliases: true, driverOpts: true, gwPriority: true, ipv4Address: true, ipv6Address: true,
    linkLocalIps: true, macAddress: true, name: true,
});
export const ULIMIT_KEYS = keysOf<dockerInput.ContainerUlimit>({ hard: true, name: true, soft: true });
export const HOST_KEYS = keysOf<dockerInput.ContainerHost>({ host: true, ip: true });
export const DEVICE_KEYS = keysOf<dockerInput.ContainerDevice>({ containerPath: true, hostPath: true, permissions: true });
export const THROTTLE_KEYS = keysOf<dockerInput.ContainerDeviceReadBp>({ path: true, rate: true });
export const DEVICE_REQUEST_KEYS = keysOf<dockerInput.ContainerDeviceRequest>({
    capabilities: true, count: true, deviceIds: true, driver: true, options: true,
});
export const UPLOAD_KEYS = keysOf<dockerInput.ContainerUpload>({
    content: true, contentBase64: true, executable: true, file: true, group: true, owner: true,
    permissions: true, source: true, sourceHash: true,
});
export const IPAM_CONFIG_KEYS = keysOf<dockerInput.NetworkIpamConfig>({ auxAddress: true, gateway: true, ipRange: true, subnet: true });
