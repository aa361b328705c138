// Pure translation of plan resources into Docker Engine API requests, following what the
// @pulumi/docker 5.x provider (kreuzwerker/terraform-provider-docker underneath) sends:
// resource_docker_container_funcs.go (create), resource_docker_container_structures.go (ports,
// volumes, ulimits, devices, hosts), resource_docker_network_funcs.go, resource_docker_volume.go.
//
// Strictness: every input field must be known. A field the realizer cannot honour faithfully
// fails loudly, naming the resource and the field, so nothing declared is silently dropped.
//
// This module is the one entry point the realizer, the CLI and the tests import; the work is
// split by concern:
// - fieldTables.ts: every input field and where it lands in the API;
// - fieldReader.ts: typed reading of input values, engine API versions, --cpus/--gpus parsing;
// - networkVolumeMapping.ts: networks, volumes, and the image a container runs;
// - containerMapping.ts / containerStorage.ts: the container create request.

export { parseGoDuration, parseGoDurationBig, formatGoDuration, DurationError } from "./goDuration";
export { PlanError } from "./plan";

export {
    RUN_LABEL_KEY,
    PROVIDER_ONLY_CONTAINER_FIELDS,
    CONTAINER_FIELDS,
    NETWORK_FIELDS,
    VOLUME_FIELDS,
    REMOTE_IMAGE_FIELDS,
} from "./fieldTables";
export type { ApiRule, ProviderRule, UnsupportedRule, FieldRule } from "./fieldTables";

export { apiVersionAtLeast, parseCpus, parseGpus } from "./fieldReader";

export { resolveContainerImage, remoteImageName, networkCreateOptions, volumeCreateOptions } from "./networkVolumeMapping";
export type { LabelOptions } from "./networkVolumeMapping";

export { containerCreateOptions, splitCreateRequest } from "./containerMapping";
export type {
    HostConfigSpec,
    EndpointSpec,
    ContainerCreateSpec,
    NetworkConnection,
    UploadSpec,
    VolumeReference,
    ContainerLifecycle,
    ContainerSpec,
    ContainerOptionsInput,
} from "./containerMapping";
