// Field tables of the Swarm resources (docker.Secret, docker.ServiceConfig, docker.Service): every
// input of @pulumi/docker 5.2.0, at every level, is either mapped (`true`) or refused with the
// reason (a string). The types make an input the SDK has but a table forgets a compile error, and
// tests/realize/swarmMapping.test.ts checks the tables against the installed .d.ts files.
//
// Which fields are mapped: what the components of this project declare (SwarmValkeyCache,
// SwarmOpenWebUI), each followed in the provider's source (see swarmMapping.ts). The rest is
// refused by name rather than sent half-understood.

import type { SecretArgs } from "@pulumi/docker/secret";
import type { ServiceArgs } from "@pulumi/docker/service";
import type { ServiceConfigArgs } from "@pulumi/docker/serviceConfig";
import type * as dockerInput from "@pulumi/docker/types/input";

/** `true`: mapped; a string: refused, and why. */
export type SwarmRule = true | string;
export type SwarmTable<T> = { readonly [K in keyof T]-?: SwarmRule };

const NOT_DECLARED = "not declared by this project's components, so not modelled by the realizer";

export const SECRET_FIELDS: SwarmTable<SecretArgs> = {
    data: true,
    labels: true,
    name: true,
};

export const SERVICE_CONFIG_FIELDS: SwarmTable<ServiceConfigArgs> = {
    data: true,
    dataRaw: "data_raw (plain-text data, read back as text) is not modelled; give `data` base64-encoded",
    labels: true,
    name: true,
};

export const SERVICE_FIELDS: SwarmTable<ServiceArgs> = {
    auth: "registry credentials for the nodes' pulls are not modelled (no registry is reachable here)",
    convergeConfig: true,
    endpointSpec: true,
    labels: true,
    mode: true,
    name: true,
    rollbackConfig: true,
    taskSpec: true,
    updateConfig: true,
};

export const LABEL_FIELDS: SwarmTable<dockerInput.ServiceLabel> = { label: true, value: true };

export const MODE_FIELDS: SwarmTable<dockerInput.ServiceMode> = {
    global: "global mode is not modelled (the provider refuses it with convergeConfig, which these services use)",
    replicated: true,
};
export const REPLICATED_FIELDS: SwarmTable<dockerInput.ServiceModeReplicated> = { replicas: true };

export const UPDATE_CONFIG_FIELDS: SwarmTable<dockerInput.ServiceUpdateConfig> = {
    delay: true,
    failureAction: true,
    maxFailureRatio: true,
    monitor: true,
    order: true,
    parallelism: true,
};

export const CONVERGE_CONFIG_FIELDS: SwarmTable<dockerInput.ServiceConvergeConfig> = { delay: true, timeout: true };

export const ENDPOINT_SPEC_FIELDS: SwarmTable<dockerInput.ServiceEndpointSpec> = { mode: true, ports: true };
export const PORT_FIELDS: SwarmTable<dockerInput.ServiceEndpointSpecPort> = {
    name: true,
    protocol: true,
    publishMode: true,
    publishedPort: true,
    targetPort: true,
};

export const TASK_SPEC_FIELDS: SwarmTable<dockerInput.ServiceTaskSpec> = {
    containerSpec: true,
    forceUpdate: NOT_DECLARED,
    logDriver: true,
    networksAdvanceds: true,
    placement: true,
    resources: true,
    restartPolicy: true,
    runtime: NOT_DECLARED,
};

export const CONTAINER_SPEC_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecContainerSpec> = {
    args: true,
    capAdds: true,
    capDrops: true,
    commands: true,
    configs: true,
    dir: NOT_DECLARED,
    dnsConfig: NOT_DECLARED,
    env: true,
    groups: NOT_DECLARED,
    healthcheck: true,
    hostname: NOT_DECLARED,
    hosts: NOT_DECLARED,
    image: true,
    init: "init was added to the provider after the newest source read here; how Create sends it and Read reads it is not modelled",
    isolation: "isolation is Windows only",
    labels: true,
    mounts: true,
    privileges: NOT_DECLARED,
    readOnly: true,
    secrets: true,
    stopGracePeriod: true,
    stopSignal: true,
    sysctl: NOT_DECLARED,
    user: true,
};

export const MOUNT_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecContainerSpecMount> = {
    bindOptions: "bind mounts are not modelled (a host path differs on every node)",
    readOnly: true,
    source: true,
    target: true,
    tmpfsOptions: NOT_DECLARED,
    type: true,
    volumeOptions: true,
};
export const VOLUME_OPTIONS_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecContainerSpecMountVolumeOptions> = {
    driverName: true,
    driverOptions: true,
    labels: true,
    noCopy: true,
};

export const HEALTHCHECK_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecContainerSpecHealthcheck> = {
    interval: true,
    retries: true,
    startPeriod: true,
    tests: true,
    timeout: true,
};

export const SECRET_REFERENCE_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecContainerSpecSecret> = {
    fileGid: true,
    fileMode: true,
    fileName: true,
    fileUid: true,
    secretId: true,
    secretName: true,
};
export const CONFIG_REFERENCE_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecContainerSpecConfig> = {
    configId: true,
    configName: true,
    fileGid: true,
    fileMode: true,
    fileName: true,
    fileUid: true,
};

export const NETWORK_ATTACHMENT_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecNetworksAdvanced> = {
    aliases: true,
    driverOpts: true,
    id:
        "the `id` attribute came with upstream 4.2.0, whose source was not available to read (how Create picks between id and name, and which one Read fills, is not modelled); give the network's id as `name`",
    name: true,
};

export const PLACEMENT_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecPlacement> = {
    constraints: true,
    maxReplicas: true,
    platforms: NOT_DECLARED,
    prefs: NOT_DECLARED,
};

export const RESTART_POLICY_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecRestartPolicy> = {
    condition: true,
    delay: true,
    maxAttempts: true,
    window: true,
};

export const RESOURCES_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecResources> = {
    limits: true,
    reservation: NOT_DECLARED,
};
export const LIMITS_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecResourcesLimits> = { memoryBytes: true, nanoCpus: true };

export const LOG_DRIVER_FIELDS: SwarmTable<dockerInput.ServiceTaskSpecLogDriver> = { name: true, options: true };
