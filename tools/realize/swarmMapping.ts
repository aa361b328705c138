// Pure translation of plan Secrets, ServiceConfigs and Services into Docker Engine API requests, as
// @pulumi/docker 5.x (kreuzwerker/terraform-provider-docker, bridged) sends them. Followed source:
// - internal/provider/resource_docker_secret.go @ c72a236fa54996cd4b0083156e437547fbb71001
//   resourceDockerSecretCreate: SecretSpec{Name, Data: base64.StdEncoding.DecodeString(data), Labels
//   (GetOk("labels") → labelSetToMap)};
// - internal/provider/resource_docker_config.go, the revision with data_raw and labels
//   (MakeClient era): resourceDockerConfigCreate: ConfigSpec{Name, Data (getConfigDataBytes),
//   Labels (GetOk → labelSetToMap)};
// - internal/provider/resource_docker_service_structures.go @ 5b1e3a0e0ff9724f9f96abf17aa5a158c49f67f0
//   createServiceSpec and its helpers (createServiceTaskSpec, createContainerSpec, createResources,
//   createRestartPolicy, createPlacement, createServiceAdvancedNetworks, createLogDriver,
//   createServiceMode, createUpdateOrRollbackConfig, createServiceEndpointSpec,
//   portSetToServicePorts, createConvergeConfig);
// - internal/provider/resource_docker_service.go @ 690732d4c86a4ff56e5270de48af63b38679f938: the
//   schema (defaults: update/rollback config, port protocol/publish mode, secret/config file
//   uid/gid/mode, converge delay 7s / timeout 3m, isolation "default");
// - internal/provider/resource_docker_service_funcs.go @ a5332be18d8d9e218252eb5d69700eaf7a3b8e2a
//   resourceDockerServiceCreate: ServiceCreateOptions{EncodedRegistryAuth, QueryRegistry: true}.
//
// One trait of the SDK shapes the request: createContainerSpec and its siblings read nested blocks
// as `if value, ok := raw["key"]; ok`, and the SDK's map of a nested block holds every key of the
// schema (zero value when unset). So the provider sends a Healthcheck ({} when undeclared), a
// DNSConfig {}, StopGracePeriod 0, Isolation "default", and for a declared restart policy all four
// of its fields (Delay/Window 0 when unset); Resources, RestartPolicy and Placement go as {} when
// undeclared. The request below does the same.
//
// The realizer's own additions, none of which the provider sends: its run label on the service,
// on the container spec (so task containers on every node carry it), on every volume mount's
// VolumeOptions (so volumes created by the tasks carry it: VolumeOptions {Labels} is added to a
// volume mount that declares none), and on secrets and configs. The read-back model takes them out
// again (swarmReadBack.ts).
//
// cap_add / cap_drop: the 5.2.0 SDK has capAdds/capDrops (upstream's bridge-metadata.json lists
// cap_add and cap_drop under task_spec.container_spec), but no provider source with them was
// available to read; they are mapped to ContainerSpec.CapabilityAdd / CapabilityDrop (engine API
// 1.41), the fields of that name in the Engine API, in declared order.

import { Plan, PlanError, PlanResource, RESOURCE_TYPES, describe } from "./plan";
import { FieldReader } from "./fieldReader";
import { formatGoDuration } from "./goDuration";
import {
    CONFIG_REFERENCE_FIELDS,
    CONTAINER_SPEC_FIELDS,
    CONVERGE_CONFIG_FIELDS,
    ENDPOINT_SPEC_FIELDS,
    HEALTHCHECK_FIELDS,
    LABEL_FIELDS,
    LIMITS_FIELDS,
    LOG_DRIVER_FIELDS,
    MODE_FIELDS,
    MOUNT_FIELDS,
    NETWORK_ATTACHMENT_FIELDS,
    PLACEMENT_FIELDS,
    PORT_FIELDS,
    REPLICATED_FIELDS,
    RESOURCES_FIELDS,
    RESTART_POLICY_FIELDS,
    SECRET_FIELDS,
    SECRET_REFERENCE_FIELDS,
    SERVICE_CONFIG_FIELDS,
    SERVICE_FIELDS,
    SwarmRule,
    TASK_SPEC_FIELDS,
    UPDATE_CONFIG_FIELDS,
    VOLUME_OPTIONS_FIELDS,
} from "./swarmFieldTables";
import { imageWithTagString, normalizedString, parseImageReference, standInAutoName, standInId } from "./swarmNames";

// ---------------------------------------------------------------------------------------------
// Reading inputs against the swarm tables

type Table = { readonly [field: string]: SwarmRule };

/** A FieldReader that knows the swarm tables: a refused key fails with its reason, an unknown one as unmapped. */
export class SwarmReader extends FieldReader {
    block(value: unknown, path: string, table: Table): Record<string, unknown> {
        if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "must be an object");
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
            const rule = table[key];
            const where = path === "" ? key : `${path}.${key}`;
            if (rule === undefined) this.fail(where, "is not mapped by the realizer");
            if (rule !== true) this.fail(where, `cannot be realized: ${rule}`);
        }
        return record;
    }

    optionalBlock(value: unknown, path: string, table: Table): Record<string, unknown> | undefined {
        return value === undefined ? undefined : this.block(value, path, table);
    }

    blocks(value: unknown, path: string, table: Table): Record<string, unknown>[] | undefined {
        return this.list(value, path)?.map((item, i) => this.block(item, `${path}[${i}]`, table));
    }

    /** A Pulumi label list of the swarm resources ({label, value}) as a map. */
    swarmLabels(value: unknown, path: string): Record<string, string> | undefined {
        const items = this.blocks(value, path, LABEL_FIELDS);
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

function open(resource: PlanResource, type: string, table: Table): { r: SwarmReader; inputs: Record<string, unknown> } {
    if (resource.type !== type) throw new PlanError(`${describe(resource)}: expected a resource of type ${type}`);
    const r = new SwarmReader(describe(resource));
    return { r, inputs: r.block(resource.inputs, "", table) };
}

/**
 * validateStringIsBase64Encoded: Go's base64.StdEncoding.DecodeString must accept the text:
 * the standard alphabet, padded to a multiple of four (Go skips \r and \n).
 */
export function decodeStdBase64(text: string): Buffer | undefined {
    const clean = text.replace(/[\r\n]/g, "");
    if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
    return Buffer.from(clean, "base64");
}

function requiredBase64(r: FieldReader, value: unknown, path: string): Buffer {
    const text = r.requiredString(value, path);
    const data = decodeStdBase64(text);
    if (data === undefined) r.fail(path, "is not base64 (the provider validates it with base64.StdEncoding, padded)");
    return data;
}

// ---------------------------------------------------------------------------------------------
// Secret and config

export interface SwarmObjectSpec {
    /** The body of POST /secrets/create or /configs/create. */
    body: { Name: string; Data: string; Labels: Record<string, string> };
    /** True when the program left `name` unset and the bridge auto-names it. */
    autoNamed: boolean;
}

export interface SwarmObjectInput {
    /** Labels the realizer adds (the run label). */
    labels: Record<string, string>;
    /** The name to give when the program leaves `name` unset (the bridge's auto-name). */
    autoName: string;
}

/** resourceDockerSecretCreate. `data` is ForceNew and never read back; labels likewise ForceNew. */
export function secretCreateSpec(resource: PlanResource, input: SwarmObjectInput): SwarmObjectSpec {
    const { r, inputs } = open(resource, RESOURCE_TYPES.secret, SECRET_FIELDS);
    return objectSpec(r, inputs, input);
}

/** resourceDockerConfigCreate (the revision with labels); `dataRaw` is refused by the table. */
export function configCreateSpec(resource: PlanResource, input: SwarmObjectInput): SwarmObjectSpec {
    const { r, inputs } = open(resource, RESOURCE_TYPES.serviceConfig, SERVICE_CONFIG_FIELDS);
    return objectSpec(r, inputs, input);
}

function objectSpec(r: SwarmReader, inputs: Record<string, unknown>, input: SwarmObjectInput): SwarmObjectSpec {
    const declaredName = r.string(inputs["name"], "name");
    if (declaredName === "") r.fail("name", "is empty");
    const data = requiredBase64(r, inputs["data"], "data");
    const labels = r.swarmLabels(inputs["labels"], "labels");
    return {
        // Go marshals []byte as standard base64: the decoded data, encoded again
        body: { Name: declaredName ?? input.autoName, Data: data.toString("base64"), Labels: { ...(labels ?? {}), ...input.labels } },
        autoNamed: declaredName === undefined,
    };
}

// ---------------------------------------------------------------------------------------------
// References from a service to the plan's networks, secrets and configs

/** What the realizer created for a plan Secret, ServiceConfig or Network. */
export interface RealizedObject {
    id: string;
    name: string;
}

/**
 * Resolves what a service declares about other plan resources. In a plan, a secret's or config's
 * id is the renderer's stand-in (standInId), and the name of an auto-named one its stand-in name
 * (standInAutoName); the realizer swaps in what it created. `realized` answers for a URN once that
 * resource exists; without it (checking a plan before anything is created) the stand-ins stay.
 */
export class SwarmReferences {
    constructor(
        readonly plan: Plan,
        readonly realized?: (urn: string) => RealizedObject | undefined,
    ) {}

    private byStandInId(type: string, id: string): PlanResource | undefined {
        return this.plan.resources.find((res) => res.type === type && standInId(this.plan.stack, type, res.name) === id);
    }

    private real(resource: PlanResource, r: FieldReader, path: string): RealizedObject | undefined {
        if (this.realized === undefined) return undefined;
        const found = this.realized(resource.urn);
        if (found === undefined) r.fail(path, `refers to ${describe(resource)}, which is not created yet (it must come before the service: dependsOn)`);
        return found;
    }

    /** A secret's or config's reference: its real id, and the real name where the declared one is the resource's own name. */
    object(kind: "secret" | "config", id: string, name: string | undefined, r: FieldReader, path: string): { id: string; name: string } {
        const type = kind === "secret" ? RESOURCE_TYPES.secret : RESOURCE_TYPES.serviceConfig;
        const idField = kind === "secret" ? "secretId" : "configId";
        const target = this.byStandInId(type, id);
        if (target === undefined) {
            r.fail(`${path}.${idField}`, `is not the id of a ${type} in the plan ("${id}"); the realizer resolves references to resources it creates only`);
        }
        const real = this.real(target, r, `${path}.${idField}`);
        const declaredName = typeof target.inputs["name"] === "string" ? (target.inputs["name"] as string) : undefined;
        const ownName = declaredName ?? standInAutoName(this.plan.stack, type, target.name);
        // The provider sends secret_name as given ("" when unset): only the resource's own name is swapped.
        const sentName = name === undefined ? "" : name === ownName && real !== undefined ? real.name : name;
        return { id: real?.id ?? id, name: sentName };
    }

    /**
     * A network attachment's target: a plan Network's stand-in id becomes the real id; a plan
     * Network's name is sent as it is (the engine resolves it, and Read stores the id: a change on
     * every later preview, which the read-back shows). Anything else is refused.
     */
    network(value: string, r: FieldReader, path: string): string {
        const byId = this.byStandInId(RESOURCE_TYPES.network, value);
        if (byId !== undefined) return this.real(byId, r, path)?.id ?? value;
        const byName = this.plan.resources.find((res) => res.type === RESOURCE_TYPES.network && (res.inputs["name"] ?? res.name) === value);
        if (byName !== undefined) {
            this.real(byName, r, path);
            return value;
        }
        r.fail(path, `is neither the id nor the name of a ${RESOURCE_TYPES.network} in the plan ("${value}")`);
    }
}

// ---------------------------------------------------------------------------------------------
// The service image

/**
 * The local image a service runs: its declared image reference through the image mapping (keyed
 * by the upstream reference, compared in fully qualified form so that `valkey/valkey:8.0.1-alpine`
 * and `docker.io/valkey/valkey:8.0.1-alpine` are one key). No mapping: fails loudly.
 */
export function resolveServiceImage(resource: PlanResource, imageMap: Readonly<Record<string, string>>): { upstream: string; local: string } {
    const { r, inputs } = open(resource, RESOURCE_TYPES.service, SERVICE_FIELDS);
    const task = r.block(inputs["taskSpec"], "taskSpec", TASK_SPEC_FIELDS);
    const container = r.block(task["containerSpec"], "taskSpec.containerSpec", CONTAINER_SPEC_FIELDS);
    const upstream = r.requiredString(container["image"], "taskSpec.containerSpec.image");
    const own = Object.prototype.hasOwnProperty.call(imageMap, upstream) ? imageMap[upstream] : undefined;
    let local = own;
    if (local === undefined) {
        const wanted = parseImageReference(upstream);
        const key =
            wanted === undefined
                ? undefined
                : Object.keys(imageMap).find((k) => {
                      const ref = parseImageReference(k);
                      return ref !== undefined && normalizedString(ref) === normalizedString(wanted);
                  });
        local = key === undefined ? undefined : imageMap[key];
    }
    if (local === undefined || local === "") {
        return r.fail("taskSpec.containerSpec.image", `has no image mapping for "${upstream}" (map it to a local image, e.g. --image ${upstream}=<local image>)`);
    }
    return { upstream, local };
}

// ---------------------------------------------------------------------------------------------
// The service

const UPDATE_FAILURE_ACTIONS = ["pause", "continue", "rollback"] as const;
const ROLLBACK_FAILURE_ACTIONS = ["pause", "continue"] as const;
const UPDATE_ORDERS = ["stop-first", "start-first"] as const;
const ENDPOINT_MODES = ["vip", "dnsrr"] as const;
const PORT_PROTOCOLS = ["tcp", "udp", "sctp"] as const;
const PUBLISH_MODES = ["ingress", "host"] as const;
const RESTART_CONDITIONS = ["none", "on-failure", "any"] as const;

/** The part of the ServiceSpec JSON body the realizer builds (Engine API names). */
export type ServiceSpecBody = Record<string, unknown> & {
    Name: string;
    Labels: Record<string, string>;
    TaskTemplate: Record<string, unknown> & { ContainerSpec: Record<string, unknown> & { Image: string } };
};

export interface ConvergeSettings {
    /** converge_config.delay in ns (schema default "7s"). */
    delayNs: number;
    /** converge_config.timeout in ns (schema default "3m"). */
    timeoutNs: number;
}

export interface ServiceSpec {
    /** The body of POST /services/create. */
    body: ServiceSpecBody;
    autoNamed: boolean;
    /** converge_config when declared: Create waits for convergence; without it Create returns at once. */
    converge?: ConvergeSettings;
    /** task_spec.container_spec.stop_grace_period as declared (Delete waits for the tasks only when set and not "0s"). */
    stopGracePeriod?: string;
    /** The declared image and the local one sent in its place (after the Go client's tagging). */
    image: { upstream: string; sent: string };
    /** Lowest engine API version that honours every field used. */
    requiredApiVersion: string;
}

export interface ServiceOptionsInput {
    /** Labels the realizer adds (the run label). */
    labels: Record<string, string>;
    /** The local image to run (see resolveServiceImage). */
    image: string;
    /** The name to give when the program leaves `name` unset. */
    autoName: string;
    references: SwarmReferences;
}

/** Go's time.ParseDuration of a schema-validated (validateDurationGeq0) duration, in ns. */
function duration(r: FieldReader, value: unknown, path: string): number | undefined {
    return r.duration(value, path);
}

/** A `float32` ratio from 0 to 1, as validateStringIsFloatRatio accepts and createUpdateOrRollbackConfig sends it. */
function ratio(r: FieldReader, value: unknown, path: string): number | undefined {
    const text = r.string(value, path);
    if (text === undefined) return undefined;
    const parsed = Number(text);
    if (text.trim() === "" || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) r.fail(path, "must be a number from 0.0 to 1.0 written as a string");
    return Math.fround(parsed);
}

/**
 * The ServiceSpec resourceDockerServiceCreate sends for a plan Service, the provider-only
 * converge and delete settings, and the image actually sent.
 */
export function serviceCreateSpec(resource: PlanResource, input: ServiceOptionsInput): ServiceSpec {
    const { r, inputs } = open(resource, RESOURCE_TYPES.service, SERVICE_FIELDS);
    let requiredApiVersion = "1.30";
    const declaredName = r.string(inputs["name"], "name");
    if (declaredName === "") r.fail("name", "is empty");
    const labels = r.swarmLabels(inputs["labels"], "labels");

    const task = r.block(inputs["taskSpec"], "taskSpec", TASK_SPEC_FIELDS);
    const container = r.block(task["containerSpec"], "taskSpec.containerSpec", CONTAINER_SPEC_FIELDS);
    const upstream = r.requiredString(container["image"], "taskSpec.containerSpec.image");
    const sent = imageWithTagString(input.image);
    const { spec: containerSpec, usesCapabilities } = containerSpecOf(r, container, input, sent);
    if (usesCapabilities) requiredApiVersion = "1.41";

    const taskTemplate: ServiceSpecBody["TaskTemplate"] = {
        ContainerSpec: containerSpec,
        Resources: resourcesOf(r, task["resources"]),
        RestartPolicy: restartPolicyOf(r, task["restartPolicy"]),
        Placement: placementOf(r, task["placement"]),
        ForceUpdate: 0,
    };
    const networks = r.blocks(task["networksAdvanceds"], "taskSpec.networksAdvanceds", NETWORK_ATTACHMENT_FIELDS);
    if (networks !== undefined && networks.length > 0) {
        taskTemplate["Networks"] = networks.map((n, i) => {
            const path = `taskSpec.networksAdvanceds[${i}]`;
            const target = input.references.network(r.requiredString(n["name"], `${path}.name`), r, `${path}.name`);
            const attachment: Record<string, unknown> = { Target: target, Aliases: r.strings(n["aliases"], `${path}.aliases`) ?? [] };
            const driverOpts = r.strings(n["driverOpts"], `${path}.driverOpts`);
            if (driverOpts !== undefined && driverOpts.length > 0) attachment["DriverOpts"] = keyValueMap(r, driverOpts, `${path}.driverOpts`);
            return attachment;
        });
    }
    const logDriver = r.optionalBlock(task["logDriver"], "taskSpec.logDriver", LOG_DRIVER_FIELDS);
    if (logDriver !== undefined) {
        taskTemplate["LogDriver"] = {
            Name: r.requiredString(logDriver["name"], "taskSpec.logDriver.name"),
            Options: r.stringMap(logDriver["options"], "taskSpec.logDriver.options") ?? {},
        };
    }

    const body: ServiceSpecBody = {
        Name: declaredName ?? input.autoName,
        Labels: { ...(labels ?? {}), ...input.labels },
        TaskTemplate: taskTemplate,
        Mode: modeOf(r, inputs["mode"]),
        EndpointSpec: endpointSpecOf(r, inputs["endpointSpec"]),
    };
    const updateConfig = updateOrRollbackConfig(r, inputs["updateConfig"], "updateConfig", UPDATE_FAILURE_ACTIONS);
    if (updateConfig !== undefined) body["UpdateConfig"] = updateConfig;
    const rollbackConfig = updateOrRollbackConfig(r, inputs["rollbackConfig"], "rollbackConfig", ROLLBACK_FAILURE_ACTIONS);
    if (rollbackConfig !== undefined) body["RollbackConfig"] = rollbackConfig;

    const spec: ServiceSpec = { body, autoNamed: declaredName === undefined, image: { upstream, sent }, requiredApiVersion };
    const converge = r.optionalBlock(inputs["convergeConfig"], "convergeConfig", CONVERGE_CONFIG_FIELDS);
    if (converge !== undefined) {
        // createConvergeConfig; the schema's defaults "7s" and "3m"
        spec.converge = {
            delayNs: duration(r, converge["delay"], "convergeConfig.delay") ?? 7_000_000_000,
            timeoutNs: duration(r, converge["timeout"], "convergeConfig.timeout") ?? 180_000_000_000,
        };
    }
    const grace = r.string(container["stopGracePeriod"], "taskSpec.containerSpec.stopGracePeriod");
    if (grace !== undefined) spec.stopGracePeriod = grace;
    return spec;
}

function keyValueMap(r: FieldReader, items: string[], path: string): Record<string, string> {
    // stringSetToMapStringString: split at the first "="
    return Object.fromEntries(
        items.map((kv, j) => {
            const eq = kv.indexOf("=");
            if (eq <= 0) r.fail(`${path}[${j}]`, "must be key=value");
            return [kv.slice(0, eq), kv.slice(eq + 1)];
        }),
    );
}

/** createContainerSpec. */
function containerSpecOf(
    r: SwarmReader,
    c: Record<string, unknown>,
    input: ServiceOptionsInput,
    image: string,
): { spec: ServiceSpecBody["TaskTemplate"]["ContainerSpec"]; usesCapabilities: boolean } {
    const p = "taskSpec.containerSpec";
    const spec: ServiceSpecBody["TaskTemplate"]["ContainerSpec"] = { Image: image };
    spec["Labels"] = { ...(r.swarmLabels(c["labels"], `${p}.labels`) ?? {}), ...input.labels };
    const command = r.strings(c["commands"], `${p}.commands`);
    if (command !== undefined && command.length > 0) spec["Command"] = command;
    const args = r.strings(c["args"], `${p}.args`);
    if (args !== undefined && args.length > 0) spec["Args"] = args;
    const env = r.stringMap(c["env"], `${p}.env`);
    // mapTypeMapValsToStringSlice: "KEY=value" per entry (the map's order; sorted here)
    if (env !== undefined && Object.keys(env).length > 0) spec["Env"] = Object.keys(env).sort().map((k) => `${k}=${env[k]}`);
    const user = r.string(c["user"], `${p}.user`);
    if (user !== undefined && user !== "") spec["User"] = user;
    const readOnly = r.boolean(c["readOnly"], `${p}.readOnly`);
    if (readOnly === true) spec["ReadOnly"] = true;
    const capAdds = r.strings(c["capAdds"], `${p}.capAdds`);
    const capDrops = r.strings(c["capDrops"], `${p}.capDrops`);
    if (capAdds !== undefined && capAdds.length > 0) spec["CapabilityAdd"] = capAdds;
    if (capDrops !== undefined && capDrops.length > 0) spec["CapabilityDrop"] = capDrops;
    const mounts = r.blocks(c["mounts"], `${p}.mounts`, MOUNT_FIELDS);
    if (mounts !== undefined && mounts.length > 0) spec["Mounts"] = mounts.map((m, i) => mountOf(r, m, `${p}.mounts[${i}]`, input.labels));
    const stopSignal = r.string(c["stopSignal"], `${p}.stopSignal`);
    if (stopSignal !== undefined && stopSignal !== "") spec["StopSignal"] = stopSignal;
    // time.ParseDuration("") fails and leaves 0: StopGracePeriod is always sent
    spec["StopGracePeriod"] = duration(r, c["stopGracePeriod"], `${p}.stopGracePeriod`) ?? 0;
    spec["Healthcheck"] = healthcheckOf(r, c["healthcheck"], `${p}.healthcheck`);
    spec["DNSConfig"] = {};
    const secrets = r.blocks(c["secrets"], `${p}.secrets`, SECRET_REFERENCE_FIELDS);
    if (secrets !== undefined && secrets.length > 0) spec["Secrets"] = secrets.map((s, i) => fileReference(r, input, "secret", s, `${p}.secrets[${i}]`));
    const configs = r.blocks(c["configs"], `${p}.configs`, CONFIG_REFERENCE_FIELDS);
    if (configs !== undefined && configs.length > 0) spec["Configs"] = configs.map((s, i) => fileReference(r, input, "config", s, `${p}.configs[${i}]`));
    spec["Isolation"] = "default"; // the schema's Default
    return { spec, usesCapabilities: (capAdds?.length ?? 0) + (capDrops?.length ?? 0) > 0 };
}

/**
 * One mount. The schema's type pattern is ^(bind|volume|tmpfs)$; bind and tmpfs options are refused
 * by the table. A volume mount gets the run label in VolumeOptions.Labels (the realizer's addition).
 */
function mountOf(r: SwarmReader, m: Record<string, unknown>, path: string, runLabels: Record<string, string>): Record<string, unknown> {
    const type = r.oneOf(m["type"], `${path}.type`, ["bind", "volume", "tmpfs"] as const);
    if (type === undefined) r.fail(`${path}.type`, "is required");
    if (type !== "volume") r.fail(`${path}.type`, `'${type}' mounts are not modelled; only 'volume'`);
    const mount: Record<string, unknown> = {
        Type: type,
        Target: r.requiredString(m["target"], `${path}.target`),
        Source: r.string(m["source"], `${path}.source`) ?? "",
        ReadOnly: r.boolean(m["readOnly"], `${path}.readOnly`) ?? false,
    };
    const vo = r.optionalBlock(m["volumeOptions"], `${path}.volumeOptions`, VOLUME_OPTIONS_FIELDS);
    if (vo !== undefined) {
        // every key of the block is in the raw map: DriverConfig is made even when neither is declared
        mount["VolumeOptions"] = {
            NoCopy: r.boolean(vo["noCopy"], `${path}.volumeOptions.noCopy`) ?? false,
            Labels: { ...(r.swarmLabels(vo["labels"], `${path}.volumeOptions.labels`) ?? {}), ...runLabels },
            DriverConfig: {
                Name: r.string(vo["driverName"], `${path}.volumeOptions.driverName`) ?? "",
                Options: r.stringMap(vo["driverOptions"], `${path}.volumeOptions.driverOptions`) ?? {},
            },
        };
    } else {
        mount["VolumeOptions"] = { Labels: { ...runLabels } };
    }
    return mount;
}

/** The healthcheck block: {} when undeclared (the provider always makes one); durations in ns. */
function healthcheckOf(r: SwarmReader, value: unknown, path: string): Record<string, unknown> {
    const hc = r.optionalBlock(value, path, HEALTHCHECK_FIELDS);
    if (hc === undefined) return {};
    const out: Record<string, unknown> = {};
    const tests = r.strings(hc["tests"], `${path}.tests`);
    if (tests === undefined) r.fail(`${path}.tests`, "is required (the schema's `test` is Required)");
    if (tests.length > 0) out["Test"] = tests;
    out["Interval"] = duration(r, hc["interval"], `${path}.interval`) ?? 0;
    out["Timeout"] = duration(r, hc["timeout"], `${path}.timeout`) ?? 0;
    out["StartPeriod"] = duration(r, hc["startPeriod"], `${path}.startPeriod`) ?? 0;
    out["Retries"] = r.integer(hc["retries"], `${path}.retries`, 0) ?? 0;
    return out;
}

/** A secret or config reference: SecretID/ConfigID, the name, and the file (uid/gid default "0", mode default 0o444). */
function fileReference(r: SwarmReader, input: ServiceOptionsInput, kind: "secret" | "config", s: Record<string, unknown>, path: string): Record<string, unknown> {
    const idKey = kind === "secret" ? "secretId" : "configId";
    const nameKey = kind === "secret" ? "secretName" : "configName";
    const { id, name } = input.references.object(kind, r.requiredString(s[idKey], `${path}.${idKey}`), r.string(s[nameKey], `${path}.${nameKey}`), r, path);
    const uid = r.string(s["fileUid"], `${path}.fileUid`) ?? "0";
    const gid = r.string(s["fileGid"], `${path}.fileGid`) ?? "0";
    const mode = r.integer(s["fileMode"], `${path}.fileMode`, 0) ?? 0o444;
    if (mode > 0o7777) r.fail(`${path}.fileMode`, "must be a file mode (at most 0o7777)");
    const file = { Name: r.requiredString(s["fileName"], `${path}.fileName`), UID: uid, GID: gid, Mode: mode };
    return kind === "secret" ? { SecretID: id, SecretName: name, File: file } : { ConfigID: id, ConfigName: name, File: file };
}

/** createResources: {} when undeclared; limits when declared (reservation is refused by the table). */
function resourcesOf(r: SwarmReader, value: unknown): Record<string, unknown> {
    const res = r.optionalBlock(value, "taskSpec.resources", RESOURCES_FIELDS);
    const out: Record<string, unknown> = {};
    const limits = res === undefined ? undefined : r.optionalBlock(res["limits"], "taskSpec.resources.limits", LIMITS_FIELDS);
    if (limits !== undefined) {
        out["Limits"] = {
            NanoCPUs: r.integer(limits["nanoCpus"], "taskSpec.resources.limits.nanoCpus", 0) ?? 0,
            MemoryBytes: r.integer(limits["memoryBytes"], "taskSpec.resources.limits.memoryBytes", 0) ?? 0,
        };
    }
    return out;
}

/** createRestartPolicy: {} when undeclared; else all four fields, Delay and Window 0 when unset. */
function restartPolicyOf(r: SwarmReader, value: unknown): Record<string, unknown> {
    const rp = r.optionalBlock(value, "taskSpec.restartPolicy", RESTART_POLICY_FIELDS);
    if (rp === undefined) return {};
    return {
        Condition: r.oneOf(rp["condition"], "taskSpec.restartPolicy.condition", RESTART_CONDITIONS) ?? "",
        Delay: duration(r, rp["delay"], "taskSpec.restartPolicy.delay") ?? 0,
        MaxAttempts: r.integer(rp["maxAttempts"], "taskSpec.restartPolicy.maxAttempts", 0) ?? 0,
        Window: duration(r, rp["window"], "taskSpec.restartPolicy.window") ?? 0,
    };
}

/** createPlacement: {} when undeclared. */
function placementOf(r: SwarmReader, value: unknown): Record<string, unknown> {
    const pl = r.optionalBlock(value, "taskSpec.placement", PLACEMENT_FIELDS);
    const out: Record<string, unknown> = {};
    if (pl === undefined) return out;
    const constraints = r.strings(pl["constraints"], "taskSpec.placement.constraints");
    if (constraints !== undefined && constraints.length > 0) out["Constraints"] = [...new Set(constraints)];
    const maxReplicas = r.integer(pl["maxReplicas"], "taskSpec.placement.maxReplicas", 0);
    if (maxReplicas !== undefined && maxReplicas > 0) out["MaxReplicas"] = maxReplicas;
    return out;
}

/** createServiceMode: {} when undeclared (the engine makes it replicated, 1); replicas default 1. */
function modeOf(r: SwarmReader, value: unknown): Record<string, unknown> {
    const mode = r.optionalBlock(value, "mode", MODE_FIELDS);
    if (mode === undefined) return {};
    const replicated = r.optionalBlock(mode["replicated"], "mode.replicated", REPLICATED_FIELDS);
    if (replicated === undefined) return {};
    return { Replicated: { Replicas: r.integer(replicated["replicas"], "mode.replicated.replicas", 0) ?? 1 } };
}

/** createServiceEndpointSpec and portSetToServicePorts: ports in declared order (a TypeList). */
function endpointSpecOf(r: SwarmReader, value: unknown): Record<string, unknown> {
    const es = r.optionalBlock(value, "endpointSpec", ENDPOINT_SPEC_FIELDS);
    const out: Record<string, unknown> = {};
    if (es === undefined) return out;
    const mode = r.oneOf(es["mode"], "endpointSpec.mode", ENDPOINT_MODES);
    if (mode !== undefined) out["Mode"] = mode;
    const ports = r.blocks(es["ports"], "endpointSpec.ports", PORT_FIELDS);
    if (ports !== undefined) {
        out["Ports"] = ports.map((port, i) => {
            const path = `endpointSpec.ports[${i}]`;
            return {
                Name: r.string(port["name"], `${path}.name`) ?? "",
                Protocol: r.oneOf(port["protocol"], `${path}.protocol`, PORT_PROTOCOLS) ?? "tcp",
                TargetPort: r.requiredInteger(port["targetPort"], `${path}.targetPort`, 1),
                PublishedPort: r.integer(port["publishedPort"], `${path}.publishedPort`, 0) ?? 0,
                PublishMode: r.oneOf(port["publishMode"], `${path}.publishMode`, PUBLISH_MODES) ?? "ingress",
            };
        });
    }
    return out;
}

/** createUpdateOrRollbackConfig with the schema's defaults (1, 0s, pause, 5s, "0.0", stop-first). */
function updateOrRollbackConfig(
    r: SwarmReader,
    value: unknown,
    path: string,
    failureActions: readonly string[],
): Record<string, unknown> | undefined {
    const c = r.optionalBlock(value, path, UPDATE_CONFIG_FIELDS);
    if (c === undefined) return undefined;
    return {
        Parallelism: r.integer(c["parallelism"], `${path}.parallelism`, 0) ?? 1,
        Delay: duration(r, c["delay"], `${path}.delay`) ?? 0,
        FailureAction: r.oneOf(c["failureAction"], `${path}.failureAction`, failureActions) ?? "pause",
        Monitor: duration(r, c["monitor"], `${path}.monitor`) ?? 5_000_000_000,
        MaxFailureRatio: ratio(r, c["maxFailureRatio"], `${path}.maxFailureRatio`) ?? 0,
        Order: r.oneOf(c["order"], `${path}.order`, UPDATE_ORDERS) ?? "stop-first",
    };
}

/** DidNotConvergeError.Error(): "Service with ID (<id>) did not converge after <timeout>" (Go's Duration.String()). */
export function didNotConvergeMessage(serviceId: string, timeoutNs: number): string {
    return `Service with ID (${serviceId}) did not converge after ${formatGoDuration(timeoutNs)}`;
}
