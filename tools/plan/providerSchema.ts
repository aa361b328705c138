// How the Docker provider behind @pulumi/docker 5.2.0 reacts when an input property changes.
//
// @pulumi/docker is a bridged Terraform provider: a property whose Terraform schema is ForceNew
// makes Pulumi plan a replacement; any other change goes to the resource's Update function, which
// may apply it to the live Docker object or may do nothing but record the new value in state.
// Each input of the four resources below sits in exactly one of the three tables. Names are the
// Pulumi camelCase input names from node_modules/@pulumi/docker/*.d.ts (ContainerArgs, NetworkArgs,
// VolumeArgs, RemoteImageArgs).

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const VOLUME = "docker:index/volume:Volume";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

/** Where this table comes from: repository, files, version/commit read. */
export const PROVIDER_SCHEMA_SOURCE: string = [
    "Upstream: github.com/kreuzwerker/terraform-provider-docker (terraform-plugin-sdk/v2 resources), which @pulumi/docker wraps.",
    "Version mapping: pulumi-docker v5.0.0 release notes say 'Upgrade terraform-provider-docker to v4.2.0'; pulumi-docker PR #1747",
    "(2026-06-25) moved upstream 4.4.0 -> 4.5.0 before v5.1.0. The installed 5.2.0 SDK has ContainerArgs.deviceCgroupRules, which",
    "upstream only gained after issue #975 (2026-07-27), and lacks oomScoreAdj, which came later still, so 5.2.0 is built on",
    "upstream v4.6.x (release PR #998). No source snapshot tagged exactly v4.6.0 was available; the nearest versions read were:",
    "internal/provider/resource_docker_container.go @ 6bee3efa6c55d25a63d2ce47f8d0d2fac141d6ed (post-PR #857: platform,",
    "device_read/write_bps/iops, networks_advanced.gw_priority; no device_cgroup_rules yet) and @ a154e9ceb16a78dc882da7729df123d99300b7c4;",
    "internal/provider/resource_docker_container_funcs.go @ 8bac991400ae971425d61be5c6e442a1b3f8515c (resourceDockerContainerUpdate",
    "with the blkio throttles in its ContainerUpdate list) and @ a154e9ceb16a78dc882da7729df123d99300b7c4;",
    "internal/provider/resource_docker_network.go @ 05198ac844d24af21a7f2807b70d1bd5861e04ea (no Update function; check_duplicate",
    "was removed in v4 per docs/v3_v4_migration.md); internal/provider/resource_docker_volume.go (revision with the `cluster` block",
    "and resourceDockerVolumeUpdate); internal/provider/resource_docker_image.go @ e0ec6c24799c9e96165781d0abfeb3aa5c98eb11 plus",
    "resource_docker_image_funcs.go (resourceDockerImageUpdate only re-reads the image).",
].join(" ");

/**
 * For each Pulumi type token, the input properties (Pulumi camelCase names) whose change forces replacement
 * (ForceNew at top level, or a nested block whose sub-fields are ForceNew).
 */
export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
    [CONTAINER]: [
        "name",
        "image",
        "hostname",
        "domainname",
        "command",
        "entrypoints",
        "user",
        "workingDir",
        "envs",
        "labels", // label blocks are ForceNew: relabelling recreates the container
        "dns",
        "dnsOpts",
        "dnsSearches",
        "hosts", // extra /etc/hosts entries (terraform `host` blocks)
        "ports",
        "publishAllPorts",
        "networkMode",
        "networksAdvanced", // every sub-field (aliases, ipv4/ipv6/mac address, gwPriority, ...) is ForceNew too
        "mounts",
        "volumes",
        "uploads", // files are copied in once at create time, so new content means a new container
        "capabilities",
        "securityOpts",
        "privileged",
        "readOnly",
        "devices",
        "deviceRequests",
        "deviceCgroupRules", // uncertain: added upstream after the newest source read here; see the note below
        "gpus",
        "cpus", // unlike cpuShares/cpuSet, `cpus` (NanoCPUs) is ForceNew
        "shmSize",
        "ulimits", // ForceNew; upstream has ulimit updates commented out in Update
        "sysctls",
        "storageOpts",
        "logDriver",
        "logOpts",
        "runtime",
        "platform",
        "stopSignal",
        "stopTimeout",
        "ipcMode",
        "pidMode",
        "usernsMode",
        "cgroupnsMode",
        "cgroupParent",
        "groupAdds",
        "tty",
        "stdinOpen",
    ],
    // docker_network has no Update function at all, so every argument is ForceNew.
    [NETWORK]: [
        "name",
        "driver",
        "options",
        "labels",
        "internal",
        "attachable",
        "ingress",
        "ipv6",
        "ipamDriver",
        "ipamOptions",
        "ipamConfigs",
    ],
    [VOLUME]: [
        "name",
        "driver",
        "driverOpts",
        "labels",
        // ForceNew block; the one exception is cluster.availability, which Update pushes through VolumeUpdate
        // (swarm cluster volumes only). Any other cluster change, or adding/removing the block, replaces.
        "cluster",
    ],
    [REMOTE_IMAGE]: [
        "name",
        "platform",
        "pullTriggers", // changing a trigger value re-pulls by replacing the resource
        "triggers", // arbitrary map whose only purpose is to force replacement
        // The block itself is not ForceNew, but almost all of its sub-fields are (context, dockerfile, buildArgs,
        // target, platform, ...). Only tags/remove/label/authConfigs/ulimits changes avoid replacement, and then
        // Update merely re-reads the image (state-only).
        "build",
    ],
};

/** Properties the provider updates in place on the running object (container Update: restart policy, resources like memory...). */
export const UPDATED_IN_PLACE: Readonly<Record<string, readonly string[]>> = {
    // resourceDockerContainerUpdate: if any of these changed, one ContainerUpdate call sends the restart policy
    // and the resource limits below (the running container keeps running).
    [CONTAINER]: [
        "restart",
        "maxRetryCount",
        "cpuShares",
        "cpuSet",
        "memory",
        "memoryReservation",
        "memorySwap",
        "deviceReadBps",
        "deviceReadIops",
        "deviceWriteBps",
        "deviceWriteIops",
        // Only the false -> true transition does something: Update starts the container (Read flips the
        // stored value to false when it finds the container stopped). true -> false changes state only.
        "mustRun",
    ],
    [NETWORK]: [],
    [VOLUME]: [],
    // resourceDockerImageUpdate looks the image up again and re-reads it; it never changes the image.
    [REMOTE_IMAGE]: [],
};

/**
 * Properties that are neither ForceNew nor applied by Update: an edit changes Pulumi state only,
 * so the running object keeps the old value.
 */
export const STATE_ONLY: Readonly<Record<string, readonly string[]>> = {
    [CONTAINER]: [
        // Used only while creating the container; a later edit is recorded but not acted on.
        "start",
        "attach",
        "logs",
        "wait",
        "waitTimeout",
        "containerReadRefreshTimeoutMilliseconds",
        // Used only on destroy (stop grace period, anonymous-volume removal, auto-remove/link removal).
        "destroyGraceSeconds",
        "removeVolumes",
        "rm",
        // Applied at create but neither ForceNew nor in the ContainerUpdate list. Read refreshes healthcheck,
        // init and tmpfs from the daemon, so after an edit the next refresh shows the old value again.
        "healthcheck",
        "init",
        "tmpfs",
        "cpuPeriod",
        "cpuQuota",
    ],
    [NETWORK]: [],
    [VOLUME]: [],
    // Consulted only when the image is deleted (keep it on the host / force the removal).
    [REMOTE_IMAGE]: ["keepLocally", "forceRemove"],
};

// Note on deviceCgroupRules: the newest upstream container schema and Update function that could be read
// predate it. It is listed as a replacement because it is a create-time HostConfig setting like `devices`
// (ForceNew) and is not among the fields Update sends; if upstream left it non-ForceNew, an edit would be
// state-only instead.

/**
 * Whether the provider itself asks the engine to delete a resource before creating its replacement
 * (the engine then deletes first unless the program set `deleteBeforeReplace` itself, even to false).
 * Read in pulumi/pulumi-docker provider/resources.go and pulumi/pulumi-terraform-bridge pkg/tfbridge:
 * - `docker_container` is declared with `DeleteBeforeReplace: true`: every container replacement
 *   deletes first.
 * - The provider calls `SetAutonaming(255, "-")`, which makes every string input called `name`
 *   auto-named unless the resource maps that field itself. When the program sets such a name, the
 *   bridge's Diff answers delete-before-replace (nameRequiresDeleteBeforeReplace): a fixed name
 *   cannot exist twice. That holds for networks and volumes; `docker_image` (RemoteImage) maps its
 *   `name` explicitly, so it is not auto-named and is replaced create-first. (The bridge takes this
 *   path when the inputs carry its list of defaulted properties, which Check writes.)
 */
export function providerDeletesBeforeReplace(type: string, inputs: Readonly<Record<string, unknown>>): boolean {
    if (type === CONTAINER) return true;
    if (type === NETWORK || type === VOLUME) return typeof inputs.name === "string" && inputs.name !== "";
    return false;
}
