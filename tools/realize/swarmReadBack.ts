// What the provider's Read stores for a Secret, a ServiceConfig and a Service (Create ends with
// Read), and what a second `pulumi up` would then propose: the program's declared inputs compared
// with that state by the Terraform SDK's diff rules for each field's schema.
//
// Followed source (kreuzwerker/terraform-provider-docker):
// - resource_docker_secret.go @ c72a236fa54996cd4b0083156e437547fbb71001 resourceDockerSecretRead:
//   sets `name` only ("secret data is not exposed via the API"): data and labels keep the declared
//   values. Every field is ForceNew.
// - resource_docker_config.go (revision with labels and data_raw) resourceDockerConfigRead: `name`,
//   `data` = base64.StdEncoding of Spec.Data, `labels` = mapToLabelSet(Spec.Labels). Every field ForceNew.
// - resource_docker_service_funcs.go @ a5332be18d8d9e218252eb5d69700eaf7a3b8e2a
//   resourceDockerServiceReadRefreshFunc: name, labels (mapToLabelSet(Spec.Labels)), task_spec
//   (flattenTaskSpec), mode, update_config, rollback_config, and endpoint_spec from Endpoint (the
//   live ports, published ports filled in) when Endpoint.Spec.Mode is set, else from
//   Spec.EndpointSpec. converge_config and auth are never read: state keeps them.
// - resource_docker_service_structures.go @ 5b1e3a0e0ff9724f9f96abf17aa5a158c49f67f0: the
//   flatteners. Durations come back through shortDur: Go's Duration.String() with a trailing "m0s"
//   cut to "m" and then "h0m" to "h" ("1m", "1h", "1h30m", "1m30s", "30s", "0s").
//   max_failure_ratio comes back as strconv.FormatFloat(float64(float32), 'f', 1, 64): one decimal.
//   Env comes back as a map; secrets/configs with secret_name/file_uid/file_gid only when non-empty.
// - resource_docker_service.go @ 690732d4c86a4ff56e5270de48af63b38679f938: the schema (which
//   blocks are Optional+Computed, the nested defaults, TypeSet or TypeList) and ForceNew (name,
//   mode, auth); every other change goes to resourceDockerServiceUpdate, which sends the whole spec.
//
// The realizer's own labels (the run label on the service, its container spec, volume mounts,
// secrets and configs) are taken out of what the daemon reports, as if they had never been sent; a
// VolumeOptions block the realizer added only to carry it is dropped again.
//
// An auto-named resource (no `name` in the program) keeps the name drawn at create: the bridge
// stores it among the inputs and reuses it, so `name` is not compared for it.

import type { ChangeEffect, ProposedChange } from "./proposedChanges";
import { formatGoDuration } from "./goDuration";
import { PlanResource, RESOURCE_TYPES, describe } from "./plan";
import { RUN_LABEL_KEY } from "./fieldTables";
import { decodeStdBase64 } from "./swarmMapping";
import { imageWithTagString } from "./swarmNames";

export class SwarmReadBackError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SwarmReadBackError";
    }
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const asRecord = (value: unknown): Json | undefined => (isRecord(value) ? value : undefined);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string => (typeof value === "string" ? value : "");
const asInt = (value: unknown): number => (typeof value === "number" ? value : 0);

/** shortDur (resource_docker_service_structures.go): Go's Duration.String() without a trailing "m0s" / "h0m". */
export function shortDuration(nanoseconds: number): string {
    let s = formatGoDuration(nanoseconds);
    if (s.endsWith("m0s")) s = s.slice(0, -2);
    if (s.endsWith("h0m")) s = s.slice(0, -2);
    return s;
}

/**
 * strconv.FormatFloat(float64(f), 'f', 1, 64) of a float32 ratio: the exact binary value rounded to
 * one decimal, ties to even (0.25 → "0.2", where JavaScript's toFixed gives "0.3").
 */
export function formatRatio(value: number): string {
    const x = Math.fround(value);
    if (!Number.isFinite(x) || x < 0) return x.toFixed(1);
    // x = mantissa / 2^shift exactly
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const bits = view.getBigUint64(0);
    const exponent = Number((bits >> 52n) & 0x7ffn);
    const fraction = bits & ((1n << 52n) - 1n);
    const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
    const shift = 1075 - (exponent === 0 ? 1 : exponent);
    const num = shift >= 0 ? mantissa * 10n : (mantissa << BigInt(-shift)) * 10n;
    const den = shift >= 0 ? 1n << BigInt(shift) : 1n;
    let tenths = num / den;
    const rest = (num - tenths * den) * 2n;
    if (rest > den || (rest === den && tenths % 2n === 1n)) tenths += 1n;
    return `${tenths / 10n}.${tenths % 10n}`;
}

/** Labels as the daemon reports them, less the realizer's run label, in the Pulumi form. */
function labelList(value: unknown): Array<{ label: string; value: string }> {
    const map = asRecord(value) ?? {};
    return Object.keys(map)
        .filter((k) => k !== RUN_LABEL_KEY)
        .sort()
        .map((k) => ({ label: k, value: asString(map[k]) }));
}

// ---------------------------------------------------------------------------------------------
// Secret and config

/** resourceDockerSecretRead: the name only; data and labels stay as declared. */
export function readBackSecret(resource: PlanResource, inspection: { Spec?: { Name?: string } }): Json {
    const state: Json = { ...resource.inputs };
    state["name"] = asString(inspection.Spec?.Name);
    return state;
}

/** resourceDockerConfigRead: name, data (std base64 of the data), labels. */
export function readBackConfig(resource: PlanResource, inspection: { Spec?: { Name?: string; Data?: string; Labels?: unknown } }): Json {
    const state: Json = { ...resource.inputs };
    state["name"] = asString(inspection.Spec?.Name);
    const data = decodeStdBase64(asString(inspection.Spec?.Data)) ?? Buffer.alloc(0);
    state["data"] = data.toString("base64");
    const labels = labelList(inspection.Spec?.Labels);
    if (labels.length > 0) state["labels"] = labels;
    else delete state["labels"];
    return state;
}

// ---------------------------------------------------------------------------------------------
// Service

/** The image the service was declared with and the one sent in its place (ServiceSpec.image). */
export interface ServiceImage {
    upstream: string;
    sent: string;
}

/**
 * The state resourceDockerServiceRead stores, in Pulumi input names, for the service `resource`
 * (declared as the program declares it) that GET /services/{id} describes as `inspection`.
 * `image` says what was sent in place of the declared image: Read would have found the upstream
 * image where the local one runs (in the Go client's form: imageWithTagString).
 */
export function readBackService(resource: PlanResource, inspection: Json, image: ServiceImage): Json {
    const where = describe(resource);
    const spec = asRecord(inspection["Spec"]);
    if (spec === undefined) throw new SwarmReadBackError(`${where}: the inspection has no Spec`);
    const state: Json = {};
    state["name"] = asString(spec["Name"]);
    const labels = labelList(spec["Labels"]);
    state["labels"] = labels;
    const task = asRecord(spec["TaskTemplate"]) ?? {};
    state["taskSpec"] = flattenTaskSpec(task, resource, image);
    state["mode"] = flattenMode(asRecord(spec["Mode"]) ?? {});
    const update = flattenUpdateConfig(spec["UpdateConfig"]);
    if (update !== undefined) state["updateConfig"] = update;
    const rollback = flattenUpdateConfig(spec["RollbackConfig"]);
    if (rollback !== undefined) state["rollbackConfig"] = rollback;
    const endpoint = asRecord(inspection["Endpoint"]) ?? {};
    const endpointMode = asString(asRecord(endpoint["Spec"])?.["Mode"]);
    const specEndpoint = asRecord(spec["EndpointSpec"]) ?? {};
    if (endpointMode !== "") {
        state["endpointSpec"] = { mode: endpointMode, ports: asList(endpoint["Ports"]).map(flattenPort) };
    } else if (asString(specEndpoint["Mode"]) !== "") {
        state["endpointSpec"] = { mode: asString(specEndpoint["Mode"]), ports: asList(specEndpoint["Ports"]).map(flattenPort) };
    } else {
        throw new SwarmReadBackError(`${where}: no endpoint spec yet (Read would keep waiting)`);
    }
    // never read: state keeps what was declared
    for (const field of ["convergeConfig", "auth"]) {
        if (resource.inputs[field] !== undefined) state[field] = structuredClone(resource.inputs[field]);
    }
    return state;
}

function flattenPort(value: unknown): Json {
    const p = asRecord(value) ?? {};
    return {
        name: asString(p["Name"]),
        protocol: asString(p["Protocol"]),
        targetPort: asInt(p["TargetPort"]),
        publishedPort: asInt(p["PublishedPort"]),
        publishMode: asString(p["PublishMode"]),
    };
}

function flattenMode(mode: Json): Json {
    const out: Json = { global: mode["Global"] !== undefined && mode["Global"] !== null };
    const replicated = asRecord(mode["Replicated"]);
    if (replicated !== undefined) out["replicated"] = replicated["Replicas"] === undefined ? {} : { replicas: asInt(replicated["Replicas"]) };
    return out;
}

function flattenUpdateConfig(value: unknown): Json | undefined {
    const c = asRecord(value);
    if (c === undefined) return undefined;
    return {
        parallelism: asInt(c["Parallelism"]),
        delay: shortDuration(asInt(c["Delay"])),
        failureAction: asString(c["FailureAction"]),
        monitor: shortDuration(asInt(c["Monitor"])),
        maxFailureRatio: formatRatio(asInt(c["MaxFailureRatio"])),
        order: asString(c["Order"]),
    };
}

function flattenTaskSpec(task: Json, resource: PlanResource, image: ServiceImage): Json {
    const out: Json = {};
    const container = asRecord(task["ContainerSpec"]);
    const declaredTask = asRecord(resource.inputs["taskSpec"]) ?? {};
    if (container !== undefined) out["containerSpec"] = flattenContainerSpec(container, asRecord(declaredTask["containerSpec"]) ?? {}, image);
    const resources = asRecord(task["Resources"]);
    if (resources !== undefined) {
        const r: Json = {};
        const limits = asRecord(resources["Limits"]);
        if (limits !== undefined) r["limits"] = { nanoCpus: asInt(limits["NanoCPUs"]), memoryBytes: asInt(limits["MemoryBytes"]) };
        const reservations = asRecord(resources["Reservations"]);
        if (reservations !== undefined) r["reservation"] = { nanoCpus: asInt(reservations["NanoCPUs"]), memoryBytes: asInt(reservations["MemoryBytes"]) };
        out["resources"] = r;
    }
    const restart = asRecord(task["RestartPolicy"]);
    if (restart !== undefined) {
        const r: Json = {};
        if (asString(restart["Condition"]) !== "") r["condition"] = asString(restart["Condition"]);
        if (restart["Delay"] !== undefined && restart["Delay"] !== null) r["delay"] = shortDuration(asInt(restart["Delay"]));
        if (restart["MaxAttempts"] !== undefined && restart["MaxAttempts"] !== null) r["maxAttempts"] = asInt(restart["MaxAttempts"]);
        if (restart["Window"] !== undefined && restart["Window"] !== null) r["window"] = shortDuration(asInt(restart["Window"]));
        out["restartPolicy"] = r;
    }
    const placement = asRecord(task["Placement"]);
    if (placement !== undefined) {
        const p: Json = { maxReplicas: asInt(placement["MaxReplicas"]) };
        const constraints = asList(placement["Constraints"]).map(asString);
        if (constraints.length > 0) p["constraints"] = constraints;
        const prefs = asList(placement["Preferences"]).map((pref) => asString(asRecord(asRecord(pref)?.["Spread"])?.["SpreadDescriptor"]));
        if (prefs.length > 0) p["prefs"] = prefs;
        const platforms = asList(placement["Platforms"]).map((pl) => ({ architecture: asString(asRecord(pl)?.["Architecture"]), os: asString(asRecord(pl)?.["OS"]) }));
        if (platforms.length > 0) p["platforms"] = platforms;
        out["placement"] = p;
    }
    out["forceUpdate"] = asInt(task["ForceUpdate"]);
    if (asString(task["Runtime"]) !== "") out["runtime"] = asString(task["Runtime"]);
    const networks = asList(task["Networks"]);
    if (networks.length > 0) {
        out["networksAdvanceds"] = networks.map((n) => {
            const net = asRecord(n) ?? {};
            const attachment: Json = {
                name: asString(net["Target"]),
                driverOpts: Object.entries(asRecord(net["DriverOpts"]) ?? {}).map(([k, v]) => `${k}=${asString(v)}`),
            };
            const aliases = asList(net["Aliases"]).map(asString);
            if (aliases.length > 0) attachment["aliases"] = aliases;
            return attachment;
        });
    }
    const logDriver = asRecord(task["LogDriver"]);
    if (logDriver !== undefined) {
        const l: Json = { name: asString(logDriver["Name"]) };
        const options = asRecord(logDriver["Options"]);
        if (options !== undefined && Object.keys(options).length > 0) l["options"] = options;
        out["logDriver"] = l;
    }
    return out;
}

/** The image Read would have stored had the upstream image been sent: the Go client's form, with any pinned digest. */
function upstreamImage(reported: string, image: ServiceImage): string {
    if (reported === image.sent) return imageWithTagString(image.upstream);
    if (reported.startsWith(`${image.sent}@`)) return imageWithTagString(image.upstream) + reported.slice(image.sent.length);
    return reported;
}

function flattenContainerSpec(c: Json, declared: Json, image: ServiceImage): Json {
    const out: Json = {};
    if (asString(c["Image"]) !== "") out["image"] = upstreamImage(asString(c["Image"]), image);
    const labels = labelList(c["Labels"]);
    if (labels.length > 0) out["labels"] = labels;
    const strings = (key: string): string[] => asList(c[key]).map(asString);
    if (strings("Command").length > 0) out["commands"] = strings("Command");
    if (strings("Args").length > 0) out["args"] = strings("Args");
    if (asString(c["Hostname"]) !== "") out["hostname"] = asString(c["Hostname"]);
    if (strings("Env").length > 0) {
        // mapStringSliceToMap: split at the first "=", later duplicates win
        const env: Record<string, string> = {};
        for (const kv of strings("Env")) {
            if (kv === "") continue;
            const eq = kv.indexOf("=");
            env[eq < 0 ? kv : kv.slice(0, eq)] = eq < 0 ? "" : kv.slice(eq + 1);
        }
        out["env"] = env;
    }
    if (asString(c["User"]) !== "") out["user"] = asString(c["User"]);
    if (asString(c["Dir"]) !== "") out["dir"] = asString(c["Dir"]);
    if (strings("Groups").length > 0) out["groups"] = strings("Groups");
    if (c["ReadOnly"] === true) out["readOnly"] = true;
    // cap_add / cap_drop: read as the engine reports them (see swarmMapping.ts on their source)
    if (strings("CapabilityAdd").length > 0) out["capAdds"] = strings("CapabilityAdd");
    if (strings("CapabilityDrop").length > 0) out["capDrops"] = strings("CapabilityDrop");
    const declaredMounts = asList(declared["mounts"]).map((m) => asRecord(m) ?? {});
    const mounts = asList(c["Mounts"]).map((m) => flattenMount(asRecord(m) ?? {}, declaredMounts));
    if (mounts.length > 0) out["mounts"] = mounts;
    if (asString(c["StopSignal"]) !== "") out["stopSignal"] = asString(c["StopSignal"]);
    if (c["StopGracePeriod"] !== undefined && c["StopGracePeriod"] !== null) out["stopGracePeriod"] = shortDuration(asInt(c["StopGracePeriod"]));
    const hc = asRecord(c["Healthcheck"]);
    if (hc !== undefined) {
        const h: Json = {
            interval: shortDuration(asInt(hc["Interval"])),
            timeout: shortDuration(asInt(hc["Timeout"])),
            startPeriod: shortDuration(asInt(hc["StartPeriod"])),
            retries: asInt(hc["Retries"]),
        };
        if (asList(hc["Test"]).length > 0) h["tests"] = asList(hc["Test"]).map(asString);
        out["healthcheck"] = h;
    }
    if (strings("Hosts").length > 0) out["hosts"] = strings("Hosts");
    const dns = asRecord(c["DNSConfig"]);
    if (dns !== undefined) out["dnsConfig"] = {};
    const secrets = asList(c["Secrets"]).map((s) => flattenFileReference(asRecord(s) ?? {}, "secret"));
    if (secrets.length > 0) out["secrets"] = secrets;
    const configs = asList(c["Configs"]).map((s) => flattenFileReference(asRecord(s) ?? {}, "config"));
    if (configs.length > 0) out["configs"] = configs;
    if (asString(c["Isolation"]) !== "") out["isolation"] = asString(c["Isolation"]);
    const sysctls = asRecord(c["Sysctls"]);
    if (sysctls !== undefined && Object.keys(sysctls).length > 0) out["sysctl"] = sysctls;
    return out;
}

function flattenMount(m: Json, declaredMounts: Json[]): Json {
    const out: Json = { target: asString(m["Target"]), source: asString(m["Source"]), type: asString(m["Type"]), readOnly: m["ReadOnly"] === true };
    const vo = asRecord(m["VolumeOptions"]);
    if (vo !== undefined) {
        const driver = asRecord(vo["DriverConfig"]);
        const options: Json = { noCopy: vo["NoCopy"] === true, labels: labelList(vo["Labels"]) };
        if (driver !== undefined) {
            if (asString(driver["Name"]) !== "") options["driverName"] = asString(driver["Name"]);
            options["driverOptions"] = asRecord(driver["Options"]) ?? {};
        }
        const declared = declaredMounts.find((d) => d["target"] === out["target"]);
        const onlyTheRunLabel = driver === undefined && options["noCopy"] === false && (options["labels"] as unknown[]).length === 0;
        // the realizer added VolumeOptions to this mount only to carry its run label
        if (!(onlyTheRunLabel && declared !== undefined && declared["volumeOptions"] === undefined)) out["volumeOptions"] = options;
    }
    return out;
}

function flattenFileReference(s: Json, kind: "secret" | "config"): Json {
    const out: Json = {};
    out[kind === "secret" ? "secretId" : "configId"] = asString(s[kind === "secret" ? "SecretID" : "ConfigID"]);
    const name = asString(s[kind === "secret" ? "SecretName" : "ConfigName"]);
    if (name !== "") out[kind === "secret" ? "secretName" : "configName"] = name;
    const file = asRecord(s["File"]);
    if (file !== undefined) {
        out["fileName"] = asString(file["Name"]);
        if (asString(file["UID"]) !== "") out["fileUid"] = asString(file["UID"]);
        if (asString(file["GID"]) !== "") out["fileGid"] = asString(file["GID"]);
        out["fileMode"] = asInt(file["Mode"]);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The diff: the schema of each field as the SDK compares it

type Node =
    | { kind: "string"; default?: string; computed?: boolean }
    | { kind: "int"; default?: number; computed?: boolean }
    | { kind: "bool"; default?: boolean; computed?: boolean }
    | { kind: "list" | "set" | "map" | "labels"; computed?: boolean }
    | { kind: "block" | "blockList" | "blockSet"; fields: Readonly<Record<string, Node>>; computed?: boolean }
    | { kind: "stateOnly" };

const str = (extra: { default?: string; computed?: boolean } = {}): Node => ({ kind: "string", ...extra });
const int = (extra: { default?: number; computed?: boolean } = {}): Node => ({ kind: "int", ...extra });
const bool = (extra: { default?: boolean; computed?: boolean } = {}): Node => ({ kind: "bool", ...extra });
const LIST: Node = { kind: "list" };
const SET: Node = { kind: "set" };
const MAP: Node = { kind: "map" };
const LABELS: Node = { kind: "labels" };
const block = (fields: Record<string, Node>, computed = false): Node => ({ kind: "block", fields, computed });

const UPDATE_CONFIG = block({
    parallelism: int({ default: 1 }),
    delay: str({ default: "0s" }),
    failureAction: str({ default: "pause" }),
    monitor: str({ default: "5s" }),
    maxFailureRatio: str({ default: "0.0" }),
    order: str({ default: "stop-first" }),
});

const FILE_REFERENCE = (kind: "secret" | "config"): Record<string, Node> => ({
    [`${kind}Id`]: str(),
    [`${kind}Name`]: str(),
    fileName: str(),
    fileUid: str({ default: "0" }),
    fileGid: str({ default: "0" }),
    fileMode: int({ default: 0o444 }),
});

/** The service schema (resource_docker_service.go), in Pulumi names, for the fields the realizer maps. */
export const SERVICE_SCHEMA: Readonly<Record<string, Node>> = {
    name: str(),
    labels: { kind: "labels", computed: true },
    mode: block({ replicated: block({ replicas: int({ default: 1 }) }, true), global: bool({ default: false }) }, true),
    updateConfig: UPDATE_CONFIG,
    rollbackConfig: UPDATE_CONFIG,
    endpointSpec: block(
        {
            mode: str({ computed: true }),
            ports: {
                kind: "blockList",
                fields: {
                    name: str(),
                    protocol: str({ default: "tcp" }),
                    targetPort: int(),
                    publishedPort: int({ computed: true }),
                    publishMode: str({ default: "ingress" }),
                },
            },
        },
        true,
    ),
    convergeConfig: { kind: "stateOnly" },
    auth: { kind: "stateOnly" },
    taskSpec: block({
        containerSpec: block({
            image: str(),
            labels: LABELS,
            commands: LIST,
            args: LIST,
            env: MAP,
            user: str(),
            readOnly: bool(),
            capAdds: LIST,
            capDrops: LIST,
            mounts: {
                kind: "blockSet",
                fields: {
                    target: str(),
                    source: str(),
                    type: str(),
                    readOnly: bool(),
                    volumeOptions: block({ noCopy: bool(), labels: LABELS, driverName: str(), driverOptions: MAP }),
                },
            },
            healthcheck: block({ tests: LIST, interval: str({ default: "0s" }), timeout: str({ default: "0s" }), startPeriod: str({ default: "0s" }), retries: int({ default: 0 }) }, true),
            stopGracePeriod: str({ computed: true }),
            stopSignal: str(),
            secrets: { kind: "blockSet", fields: FILE_REFERENCE("secret") },
            configs: { kind: "blockSet", fields: FILE_REFERENCE("config") },
            // never declared (refused by the table); Optional+Computed or defaulted, so they show no diff
            isolation: str({ default: "default" }),
            dnsConfig: { kind: "map", computed: true },
            hostname: str(),
            dir: str(),
            groups: LIST,
            hosts: { kind: "set" },
            sysctl: MAP,
        }),
        networksAdvanceds: { kind: "blockSet", fields: { name: str(), aliases: SET, driverOpts: SET } },
        placement: block({ constraints: SET, prefs: SET, maxReplicas: int(), platforms: { kind: "blockSet", fields: { architecture: str(), os: str() } } }, true),
        restartPolicy: block({ condition: str(), delay: str(), maxAttempts: int(), window: str() }, true),
        resources: block(
            {
                limits: block({ nanoCpus: int(), memoryBytes: int() }),
                reservation: block({ nanoCpus: int(), memoryBytes: int() }),
            },
            true,
        ),
        logDriver: block({ name: str(), options: MAP }),
        forceUpdate: int({ computed: true }),
        runtime: str({ computed: true }),
    }),
};

/** ForceNew fields of the service; every other change is applied by Update. */
const SERVICE_FORCE_NEW = new Set(["name", "mode", "auth"]);

function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (isRecord(value)) {
        return `{${Object.keys(value)
            .filter((k) => value[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value ?? null);
}

function labelMap(value: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of asList(value)) {
        const r = asRecord(item);
        if (r !== undefined) out[asString(r["label"])] = asString(r["value"]);
    }
    return out;
}

/** A value of `node` in comparable form, unset parts as the schema's default or the type's zero value. */
function normalize(node: Node, value: unknown): unknown {
    switch (node.kind) {
        case "string":
            return value === undefined || value === null ? (node.default ?? "") : value;
        case "int":
            return value === undefined || value === null ? (node.default ?? 0) : value;
        case "bool":
            return value === undefined || value === null ? (node.default ?? false) : value;
        case "list":
            return asList(value);
        case "set":
            return [...new Set(asList(value).map((v) => canonical(v)))].sort();
        case "map":
            return asRecord(value) ?? {};
        case "labels":
            return labelMap(value);
        case "block": {
            const r = asRecord(value);
            if (r === undefined) return null;
            return Object.fromEntries(Object.entries(node.fields).map(([k, n]) => [k, normalize(n, r[k])]));
        }
        case "blockList":
            return asList(value).map((v) => normalize({ kind: "block", fields: node.fields }, v));
        case "blockSet":
            return [...new Set(asList(value).map((v) => canonical(normalize({ kind: "block", fields: node.fields }, v))))].sort();
        case "stateOnly":
            return null;
    }
}

interface FieldDiff {
    path: string;
    before: unknown;
    after: unknown;
    declared: boolean;
}

/** The SDK's diff of one field: an Optional+Computed field left unset shows none; blocks compare field by field. */
function diffNode(node: Node, declared: unknown, state: unknown, path: string, out: FieldDiff[]): void {
    if (node.kind === "stateOnly") return;
    const isDeclared = declared !== undefined;
    if (!isDeclared && "computed" in node && node.computed === true) return;
    if (node.kind === "block" && isDeclared && isRecord(state)) {
        const d = asRecord(declared) ?? {};
        for (const [key, child] of Object.entries(node.fields)) diffNode(child, d[key], state[key], `${path}.${key}`, out);
        return;
    }
    if (node.kind === "blockList" && isDeclared && asList(declared).length === asList(state).length) {
        const states = asList(state);
        asList(declared).forEach((item, i) => diffNode({ kind: "block", fields: node.fields }, item ?? {}, states[i], `${path}[${i}]`, out));
        return;
    }
    if (canonical(normalize(node, declared)) !== canonical(normalize(node, state))) {
        out.push({ path, before: state, after: declared, declared: isDeclared });
    }
}

/** Declared inputs of a resource (undefined values are unset inputs). */
function declaredInputs(resource: PlanResource): Json {
    return Object.fromEntries(Object.entries(resource.inputs).filter(([, v]) => v !== undefined));
}

function change(resource: PlanResource, diff: FieldDiff, effect: ChangeEffect, why: string): ProposedChange {
    return { resource: resource.name, property: diff.path, before: diff.before, after: diff.after, declared: diff.declared, effect, replaces: effect === "replace", why };
}

/**
 * The changes a second `pulumi up` would propose for a Service, a Secret or a ServiceConfig,
 * given the state Read left. `resource` must be declared as the real deployment's program would
 * have it: references to other resources hold their real ids and names (Realization.declaredOnEngine).
 */
export function proposedSwarmChanges(resource: PlanResource, state: Json): ProposedChange[] {
    const inputs = declaredInputs(resource);
    const diffs: FieldDiff[] = [];
    if (resource.type === RESOURCE_TYPES.service) {
        for (const field of Object.keys(inputs)) {
            if (!(field in SERVICE_SCHEMA)) throw new SwarmReadBackError(`${describe(resource)}: input "${field}" is not modelled by the read-back check`);
        }
        for (const [field, node] of Object.entries(SERVICE_SCHEMA)) {
            if (field === "name" && inputs["name"] === undefined) continue; // auto-named: the bridge keeps its name
            diffNode(node, inputs[field], state[field], field, diffs);
        }
        return diffs.map((d) =>
            SERVICE_FORCE_NEW.has(d.path.split(/[.[]/)[0] ?? d.path)
                ? change(resource, d, "replace", "ForceNew in the provider schema")
                : change(resource, d, "update", "the provider's Update sends the whole service spec again"),
        );
    }
    if (resource.type === RESOURCE_TYPES.secret || resource.type === RESOURCE_TYPES.serviceConfig) {
        const schema: Record<string, Node> = { name: str(), data: str(), labels: LABELS };
        for (const [field, node] of Object.entries(schema)) {
            if (field === "name" && inputs["name"] === undefined) continue;
            diffNode(node, inputs[field], state[field], field, diffs);
        }
        return diffs.map((d) => change(resource, d, "replace", "every field of a Docker secret or config is ForceNew"));
    }
    throw new SwarmReadBackError(`${describe(resource)}: not a Swarm resource`);
}
