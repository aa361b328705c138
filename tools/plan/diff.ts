// Compares two plans the way `pulumi preview` would judge the change: what is added, removed,
// replaced (a new URN, or a property the provider cannot change in place) or updated.
import { isDeepStrictEqual } from "util";
import { Plan, PlanResource } from "./evaluate";
import { REPLACE_ON_CHANGE, STATE_ONLY, UPDATED_IN_PLACE } from "./providerSchema";

export type PropertyEffect = "replace" | "update" | "state-only" | "option";

export interface PropertyChange {
    property: string;
    before: unknown;
    after: unknown;
    effect: PropertyEffect;
}

export interface Change {
    kind: "add" | "remove" | "replace" | "update";
    type: string;
    name: string;
    urn: string;
    /** Why a replacement happens, when it is not a property (e.g. the URN changed). */
    reason?: string;
    properties: PropertyChange[];
    /** A loud note when data may be lost or a data-holding container goes away. */
    warning?: string;
}

export interface PlanDiff {
    changes: Change[];
}

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

function effectOf(type: string, property: string, resource: PlanResource): PropertyEffect {
    const forced = resource.options.replaceOnChanges ?? [];
    if (forced.includes("*") || forced.some((p) => p === property || p.startsWith(`${property}.`) || p.startsWith(`${property}[`))) {
        return "replace";
    }
    if (REPLACE_ON_CHANGE[type]?.includes(property)) return "replace";
    if (UPDATED_IN_PLACE[type]?.includes(property)) return "update";
    if (STATE_ONLY[type]?.includes(property)) return "state-only";
    // Components take no inputs of their own; for a type missing from the table, assume the worst.
    return type.startsWith("pulumi:") || type.startsWith("openwebui-valkey:") ? "update" : "replace";
}

function physicalName(r: PlanResource): string | undefined {
    return typeof r.inputs.name === "string" ? r.inputs.name : undefined;
}

function dataWarning(kind: Change["kind"], before: PlanResource, after?: PlanResource): string | undefined {
    if (before.type === VOLUME) {
        const name = physicalName(before);
        if (before.options.retainOnDelete && after && physicalName(after) === name) {
            return `volume ${name} is replaced: Pulumi keeps the old one (retainOnDelete) and the new declaration adopts it by name, so its data stays`;
        }
        if (before.options.retainOnDelete) {
            return `volume ${name} is ${kind === "remove" ? "removed" : "replaced"}: Pulumi keeps it (retainOnDelete), but ${after ? `the new declaration uses ${physicalName(after)}, an EMPTY volume` : "nothing uses it any more"}`;
        }
        return `volume ${name} will be DELETED with its DATA`;
    }
    if (before.type === CONTAINER) {
        const volumes = ((before.inputs.volumes as Array<{ volumeName?: string }> | undefined) ?? []).map((v) => v.volumeName).filter(Boolean);
        const what = kind === "remove" ? "deleted" : "deleted and created again (downtime)";
        return volumes.length > 0
            ? `container ${physicalName(before)} holding data in ${volumes.join(", ")} will be ${what}; the data stays in the volume${volumes.length > 1 ? "s" : ""} only if ${volumes.length > 1 ? "they are" : "it is"} kept`
            : `container ${physicalName(before)} will be ${what}`;
    }
    return undefined;
}

function compare(before: PlanResource, after: PlanResource): Change | undefined {
    const properties: PropertyChange[] = [];
    const keys = [...new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)])].sort();
    for (const key of keys) {
        if (!isDeepStrictEqual(before.inputs[key], after.inputs[key])) {
            properties.push({ property: key, before: before.inputs[key], after: after.inputs[key], effect: effectOf(after.type, key, after) });
        }
    }
    // Aliases only tell Pulumi where the resource was before: they change nothing on it.
    const optionKeys = [...new Set([...Object.keys(before.options), ...Object.keys(after.options)])].filter((k) => k !== "aliases").sort();
    for (const key of optionKeys) {
        const b = (before.options as Record<string, unknown>)[key];
        const a = (after.options as Record<string, unknown>)[key];
        if (!isDeepStrictEqual(b, a)) {
            properties.push({ property: `options.${key}`, before: b, after: a, effect: "option" });
        }
    }
    if (properties.length === 0) return undefined;
    const kind = properties.some((p) => p.effect === "replace") ? "replace" : "update";
    return { kind, type: after.type, name: after.name, urn: after.urn, properties, warning: kind === "replace" ? dataWarning(kind, before, after) : undefined };
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const changes: Change[] = [];
    const matchedOld = new Set<string>();

    for (const r of after.resources) {
        const previous = old.get(r.urn);
        if (previous) {
            matchedOld.add(r.urn);
            const change = compare(previous, r);
            if (change) changes.push(change);
            continue;
        }
        // A resource whose URN changed: Pulumi deletes and creates it unless an alias names the old URN.
        const aliased = before.resources.find((p) => !now.has(p.urn) && !matchedOld.has(p.urn) && (r.options.aliases ?? []).includes(p.urn));
        if (aliased) {
            matchedOld.add(aliased.urn);
            const change = compare({ ...aliased, urn: r.urn }, r);
            if (change) changes.push(change);
            continue;
        }
        const renamed = before.resources.find(
            (p) => !now.has(p.urn) && !matchedOld.has(p.urn) && p.type === r.type && (p.name === r.name || (physicalName(p) !== undefined && physicalName(p) === physicalName(r))),
        );
        if (renamed) {
            matchedOld.add(renamed.urn);
            const properties = compare(renamed, r)?.properties ?? [];
            changes.push({
                kind: "replace",
                type: r.type,
                name: r.name,
                urn: r.urn,
                reason: `its URN changed from ${renamed.urn} (add an alias to keep it)`,
                properties,
                warning: dataWarning("replace", renamed, r),
            });
            continue;
        }
        changes.push({ kind: "add", type: r.type, name: r.name, urn: r.urn, properties: [] });
    }
    for (const p of before.resources) {
        if (!now.has(p.urn) && !matchedOld.has(p.urn)) {
            changes.push({ kind: "remove", type: p.type, name: p.name, urn: p.urn, properties: [], warning: dataWarning("remove", p) });
        }
    }
    const order = { remove: 0, replace: 1, update: 2, add: 3 };
    changes.sort((a, b) => order[a.kind] - order[b.kind] || (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { changes };
}

function show(value: unknown): string {
    return value === undefined ? "(unset)" : JSON.stringify(value);
}

const EFFECT_NOTE: Record<PropertyEffect, string> = {
    replace: "forces replacement",
    update: "updated in place",
    "state-only": "changes Pulumi state only: the running object keeps the old value",
    option: "resource option",
};

export function formatDiff(diff: PlanDiff): string {
    if (diff.changes.length === 0) {
        return "No changes.\n";
    }
    const symbol = { add: "+", remove: "-", replace: "+-", update: "~" };
    const lines: string[] = [];
    for (const c of diff.changes) {
        lines.push(`${symbol[c.kind]} ${c.kind} ${c.type} ${c.name}`);
        if (c.reason) lines.push(`    because ${c.reason}`);
        for (const p of c.properties) {
            lines.push(`    ${p.property}: ${show(p.before)} => ${show(p.after)}  (${EFFECT_NOTE[p.effect]})`);
        }
        if (c.warning) lines.push(`    !!! DATA: ${c.warning}`);
    }
    const count = (k: Change["kind"]) => diff.changes.filter((c) => c.kind === k).length;
    const warnings = diff.changes.filter((c) => c.warning).length;
    lines.push("");
    lines.push(`${count("add")} to add, ${count("remove")} to remove, ${count("replace")} to replace, ${count("update")} to update${warnings ? `; ${warnings} touch data (!!! DATA)` : ""}`);
    return `${lines.join("\n")}\n`;
}
