// The plan: what a stack declares, rendered under Pulumi's mocks into one JSON document.
// This module reads and checks it; it knows nothing about Docker.
//
// The document's types are the producer's (tools/plan/evaluate.ts), imported as types only, so the
// two cannot drift and the realizer does not load the Pulumi SDK. A parsed plan carries protect,
// retainOnDelete, deleteBeforeReplace, replaceOnChanges, ignoreChanges and dependsOn; the other
// options in KNOWN_OPTIONS (aliases, ...) are accepted and dropped.

import type { Plan, PlanOptions, PlanResource } from "../plan/evaluate";
import { SECRET_SIG, SECRET_SIG_VALUE } from "../plan/wireSecrets";

export type { Plan, PlanOptions, PlanResource };

export const RESOURCE_TYPES = {
    stack: "pulumi:pulumi:Stack",
    valkeyCache: "openwebui-valkey:index:ValkeyCache",
    openWebUI: "openwebui-valkey:index:OpenWebUI",
    postgresDatabase: "openwebui-valkey:index:PostgresDatabase",
    swarmValkeyCache: "openwebui-valkey:index:SwarmValkeyCache",
    swarmOpenWebUI: "openwebui-valkey:index:SwarmOpenWebUI",
    randomPassword: "random:index/randomPassword:RandomPassword",
    network: "docker:index/network:Network",
    volume: "docker:index/volume:Volume",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    container: "docker:index/container:Container",
    secret: "docker:index/secret:Secret",
    serviceConfig: "docker:index/serviceConfig:ServiceConfig",
    service: "docker:index/service:Service",
} as const;

/** What the realizer does with a resource of each known type. */
export type ResourceKind = "nothing" | "image" | "network" | "volume" | "container" | "secret" | "config" | "service";

const KIND_BY_TYPE: Readonly<Record<string, ResourceKind>> = {
    [RESOURCE_TYPES.stack]: "nothing",
    [RESOURCE_TYPES.valkeyCache]: "nothing",
    [RESOURCE_TYPES.postgresDatabase]: "nothing",
    [RESOURCE_TYPES.openWebUI]: "nothing",
    [RESOURCE_TYPES.swarmValkeyCache]: "nothing",
    [RESOURCE_TYPES.swarmOpenWebUI]: "nothing",
    [RESOURCE_TYPES.randomPassword]: "nothing",
    [RESOURCE_TYPES.remoteImage]: "image",
    [RESOURCE_TYPES.network]: "network",
    [RESOURCE_TYPES.volume]: "volume",
    [RESOURCE_TYPES.container]: "container",
    [RESOURCE_TYPES.secret]: "secret",
    [RESOURCE_TYPES.serviceConfig]: "config",
    [RESOURCE_TYPES.service]: "service",
};

/** Resource options the plan may carry. None of them changes what gets created. */
const KNOWN_OPTIONS: readonly string[] = [
    "protect",
    "retainOnDelete",
    "deleteBeforeReplace",
    "replaceOnChanges",
    "ignoreChanges",
    "dependsOn",
    "aliases",
    "additionalSecretOutputs",
    "customTimeouts",
    "version",
    "pluginDownloadURL",
    "deletedWith",
];

/** Thrown for anything in a plan the realizer cannot realize faithfully. */
export class PlanError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanError";
    }
}

/** Pulumi's marker for a value that is only known after deployment (seen in previews). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export { SECRET_SIG, SECRET_SIG_VALUE } from "../plan/wireSecrets";

export function describe(resource: Pick<PlanResource, "name" | "type">): string {
    return `${resource.name} (${resource.type})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Replaces serialized secrets by their value, drops nulls (an absent input) and fails on
 * values that are unknown until deployment: a plan must be fully known to be realized.
 */
function normalizeValue(value: unknown, where: string, path: string): unknown {
    if (value === UNKNOWN_VALUE) {
        throw new PlanError(`${where}: field "${path}" is unknown until deployment; render the plan as an update, not a preview`);
    }
    if (Array.isArray(value)) {
        return value.map((item, i) => normalizeValue(item, where, `${path}[${i}]`));
    }
    if (isRecord(value)) {
        if (value[SECRET_SIG] === SECRET_SIG_VALUE) {
            return normalizeValue(value["value"], where, path);
        }
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) {
            if (item === null || item === undefined) continue;
            out[key] = normalizeValue(item, where, path === "" ? key : `${path}.${key}`);
        }
        return out;
    }
    return value;
}

function stringList(value: unknown, where: string, field: string): string[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
        throw new PlanError(`${where}: option "${field}" must be a list of strings`);
    }
    return value as string[];
}

function parseOptions(raw: unknown, where: string): PlanOptions {
    if (raw === undefined || raw === null) return {};
    if (!isRecord(raw)) throw new PlanError(`${where}: "options" must be an object`);
    for (const key of Object.keys(raw)) {
        if (!KNOWN_OPTIONS.includes(key)) {
            throw new PlanError(`${where}: resource option "${key}" is not understood by the realizer`);
        }
    }
    const options: PlanOptions = {};
    for (const key of ["protect", "retainOnDelete", "deleteBeforeReplace"] as const) {
        const v = raw[key];
        if (v === undefined || v === null) continue;
        if (typeof v !== "boolean") throw new PlanError(`${where}: option "${key}" must be a boolean`);
        options[key] = v;
    }
    for (const key of ["replaceOnChanges", "ignoreChanges", "dependsOn"] as const) {
        const v = stringList(raw[key], where, key);
        if (v !== undefined) options[key] = v;
    }
    return options;
}

/** Checks a plan document and returns it in normalized form. Throws PlanError on any flaw. */
/** Input name → URNs whose outputs that input takes (the engine's property dependencies). */
function parsePropertyDependencies(value: unknown, where: string): Record<string, string[]> {
    if (!isRecord(value)) throw new PlanError(`${where}: "propertyDependencies" must be an object`);
    const out: Record<string, string[]> = {};
    for (const [input, deps] of Object.entries(value)) {
        if (!Array.isArray(deps) || deps.some((d) => typeof d !== "string" || d === "")) {
            throw new PlanError(`${where}: propertyDependencies.${input} must be a list of URNs`);
        }
        out[input] = deps as string[];
    }
    return out;
}

export function parsePlan(document: unknown): Plan {
    if (!isRecord(document)) throw new PlanError("plan: the document must be a JSON object");
    const { project, stack, resources, outputs } = document;
    if (typeof project !== "string" || project === "") throw new PlanError('plan: "project" must be a non-empty string');
    if (typeof stack !== "string" || stack === "") throw new PlanError('plan: "stack" must be a non-empty string');
    if (!Array.isArray(resources)) throw new PlanError('plan: "resources" must be a list');
    if (outputs !== undefined && outputs !== null && !isRecord(outputs)) throw new PlanError('plan: "outputs" must be an object');

    const parsed: PlanResource[] = resources.map((raw, index) => {
        if (!isRecord(raw)) throw new PlanError(`plan: resources[${index}] must be an object`);
        const { urn, type, name, parent, inputs, options, propertyDependencies } = raw;
        if (typeof urn !== "string" || urn === "") throw new PlanError(`plan: resources[${index}].urn must be a non-empty string`);
        if (typeof type !== "string" || type === "") throw new PlanError(`plan: resources[${index}].type must be a non-empty string`);
        if (typeof name !== "string" || name === "") throw new PlanError(`plan: resources[${index}].name must be a non-empty string`);
        const where = describe({ name, type });
        if (parent !== undefined && parent !== null && typeof parent !== "string") {
            throw new PlanError(`${where}: "parent" must be a URN or null`);
        }
        if (inputs !== undefined && inputs !== null && !isRecord(inputs)) throw new PlanError(`${where}: "inputs" must be an object`);
        return {
            urn,
            type,
            name,
            parent: typeof parent === "string" ? parent : null,
            inputs: (normalizeValue(inputs ?? {}, where, "") as Record<string, unknown>),
            options: parseOptions(options, where),
            ...(propertyDependencies === undefined ? {} : { propertyDependencies: parsePropertyDependencies(propertyDependencies, where) }),
        };
    });

    const byUrn = new Map<string, PlanResource>();
    for (const resource of parsed) {
        if (byUrn.has(resource.urn)) throw new PlanError(`plan: URN ${resource.urn} appears twice`);
        byUrn.set(resource.urn, resource);
    }
    for (const resource of parsed) {
        resourceKind(resource);
        if (resource.parent !== null && !byUrn.has(resource.parent)) {
            throw new PlanError(`${describe(resource)}: parent ${resource.parent} is not in the plan`);
        }
        for (const dep of resource.options.dependsOn ?? []) {
            if (!byUrn.has(dep)) throw new PlanError(`${describe(resource)}: dependsOn ${dep} is not in the plan`);
        }
        for (const [input, deps] of Object.entries(resource.propertyDependencies ?? {})) {
            for (const dep of deps) {
                if (!byUrn.has(dep)) throw new PlanError(`${describe(resource)}: propertyDependencies.${input} names ${dep}, which is not in the plan`);
            }
        }
    }
    return { project, stack, resources: parsed, outputs: isRecord(outputs) ? outputs : {} };
}

/** The realizer's treatment of a resource type; unknown types fail loudly. */
export function resourceKind(resource: Pick<PlanResource, "name" | "type">): ResourceKind {
    const kind = KIND_BY_TYPE[resource.type];
    if (kind === undefined) {
        throw new PlanError(`${describe(resource)}: resource type "${resource.type}" is not known to the realizer`);
    }
    return kind;
}

/**
 * Orders resources so that each comes after its parent and everything it depends on.
 * Ties keep plan order. Cycles fail loudly.
 */
export function dependencyOrder(plan: Plan): PlanResource[] {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r] as const));
    const prerequisites = new Map<string, Set<string>>();
    for (const r of plan.resources) {
        const before = new Set<string>(r.options.dependsOn ?? []);
        if (r.parent !== null) before.add(r.parent);
        for (const urn of before) {
            if (!byUrn.has(urn)) throw new PlanError(`${describe(r)}: ${urn} is not in the plan`);
        }
        prerequisites.set(r.urn, before);
    }
    const done = new Set<string>();
    const ordered: PlanResource[] = [];
    while (ordered.length < plan.resources.length) {
        const next = plan.resources.find(
            (r) => !done.has(r.urn) && [...(prerequisites.get(r.urn) ?? [])].every((u) => done.has(u)),
        );
        if (next === undefined) {
            const stuck = plan.resources.filter((r) => !done.has(r.urn)).map((r) => r.name);
            throw new PlanError(`plan: dependency cycle among ${stuck.join(", ")}`);
        }
        done.add(next.urn);
        ordered.push(next);
    }
    return ordered;
}
