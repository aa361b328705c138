// Compares two plans the way `pulumi preview` would judge the change: what is added, removed,
// replaced (a new URN, or a property the provider cannot change in place) or updated, and what a
// delete-first replacement drags along with it (the engine's dependent replacement).
import { isDeepStrictEqual } from "util";
import { Plan, PlanResource } from "./evaluate";
import { REPLACE_ON_CHANGE, STATE_ONLY, UPDATED_IN_PLACE, providerDeletesBeforeReplace } from "./providerSchema";
import { SECRET_MARK, secretDigest } from "./render";

export type PropertyEffect = "replace" | "update" | "state-only" | "option";

export interface PropertyChange {
    property: string;
    before: unknown;
    after: unknown;
    effect: PropertyEffect;
}

/**
 * How a delete-first replacement reaches a resource whose inputs did not (all) change: the engine
 * deletes `cause` before creating its replacement, so every input built from `cause`'s outputs is
 * unknown until then and the provider judges those inputs as changed.
 */
export interface Cascade {
    /** Name and URN of the replaced resource whose outputs these inputs take. */
    cause: string;
    causeUrn: string;
    /** This resource's inputs built from `cause`'s outputs, with what a change to each does. */
    properties: Array<{ property: string; effect: PropertyEffect }>;
}

export interface Change {
    kind: "add" | "remove" | "replace" | "update";
    type: string;
    name: string;
    urn: string;
    /** Why a replacement happens, when it is not a property (e.g. the URN changed, a cascade). */
    reason?: string;
    properties: PropertyChange[];
    /** Set when another resource's delete-first replacement replaces or updates this one. */
    cascade?: Cascade;
    /** A loud note when data may be lost or a data-holding container goes away. */
    warning?: string;
}

export interface PlanDiff {
    changes: Change[];
}

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

/** Components (and the stack) have no provider: nothing to replace, only children. */
function isComponent(type: string): boolean {
    return type.startsWith("pulumi:") || type.startsWith("openwebui-valkey:");
}

function effectOf(type: string, property: string, resource: PlanResource): PropertyEffect {
    const forced = resource.options.replaceOnChanges ?? [];
    if (forced.includes("*") || forced.some((p) => p === property || p.startsWith(`${property}.`) || p.startsWith(`${property}[`))) {
        return "replace";
    }
    if (REPLACE_ON_CHANGE[type]?.includes(property)) return "replace";
    if (UPDATED_IN_PLACE[type]?.includes(property)) return "update";
    if (STATE_ONLY[type]?.includes(property)) return "state-only";
    // Components take no inputs of their own; for a type missing from the table, assume the worst.
    return isComponent(type) ? "update" : "replace";
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

/**
 * The fingerprint of an input on one side: the one the plan records for an input it hides (whole or
 * in part), else one made from the value as shown; none for a bare `[secret]` without a record.
 */
function fingerprint(r: PlanResource, key: string): string | undefined {
    const digest = r.secretDigests?.[key];
    if (digest !== undefined) return digest;
    const value = r.inputs[key];
    return value === SECRET_MARK ? undefined : secretDigest(value);
}

/**
 * Whether an input differs. An input a masked plan hides is compared by fingerprint, so a change
 * inside it shows (as `[secret] => [secret]`) and an unchanged one does not, whichever side was
 * rendered with --show-secrets; without fingerprints it can only be compared as it is written.
 */
function inputChanged(before: PlanResource, after: PlanResource, key: string): boolean {
    const secret = before.secretDigests?.[key] !== undefined || after.secretDigests?.[key] !== undefined;
    if (secret) {
        const b = fingerprint(before, key);
        const a = fingerprint(after, key);
        if (a !== undefined && b !== undefined) return a !== b;
    }
    return !isDeepStrictEqual(before.inputs[key], after.inputs[key]);
}

function compare(before: PlanResource, after: PlanResource): Change | undefined {
    const properties: PropertyChange[] = [];
    const keys = [...new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)])].sort();
    for (const key of keys) {
        if (inputChanged(before, after, key)) {
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

/** Whether the engine deletes this resource before creating its replacement. */
export function deletesFirst(r: PlanResource): boolean {
    return r.options.deleteBeforeReplace ?? providerDeletesBeforeReplace(r.type, r.inputs);
}

function nameOf(urn: string, plan: Plan): string {
    return plan.resources.find((r) => r.urn === urn)?.name ?? urn.split("::").pop() ?? urn;
}

function listWords(words: readonly string[]): string {
    return words.length <= 1 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

/**
 * Pulumi's dependent replacement (pulumi/pulumi pkg/resource/deploy/step_generator.go,
 * calculateDependentReplacements). When a resource is replaced delete-first, the engine looks at
 * every resource that depends on it, in the state it is about to change (here: the old plan). Each
 * input whose property dependencies include a resource being replaced is set to unknown and the
 * provider's Diff is asked, with the dependant's ignoreChanges and replaceOnChanges applied: if such
 * an input forces replacement, the dependant is deleted first too, before the resource it depends
 * on, and its own dependants are judged the same way. A `dependsOn` edge alone substitutes nothing.
 * A dependant whose affected inputs all change in place is kept, and shows as an update: the
 * unknown values are a change until the replacement exists.
 */
function addCascades(before: Plan, same: ReadonlyMap<string, PlanResource>, changes: Change[]): void {
    const changeOf = new Map(changes.map((c) => [c.urn, c]));
    // The edges of the state being changed, not the program's new ones (a plan written before
    // property dependencies were recorded has none, and shows no cascade).
    const edgesOf = (r: PlanResource): Record<string, string[]> => r.propertyDependencies ?? {};

    // The roots: resources replaced in place (same URN or aliased) whose replacement deletes first.
    const replaced = new Set<string>();
    for (const [oldUrn, r] of same) {
        if (changeOf.get(r.urn)?.kind === "replace" && deletesFirst(r)) replaced.add(oldUrn);
    }
    const roots = new Set(replaced);

    /** The inputs of `r` (old state) whose property dependencies include a resource in `set`. */
    const affected = (r: PlanResource, set: ReadonlySet<string>) => {
        const ignored = r.options.ignoreChanges ?? [];
        return Object.entries(edgesOf(r))
            .filter(([key, urns]) => key in r.inputs && !ignored.includes(key) && !ignored.includes("*") && urns.some((u) => set.has(u)))
            .map(([key, urns]) => ({ property: key, effect: effectOf(r.type, key, r), causes: urns.filter((u) => set.has(u)).sort() }))
            .sort((a, b) => (a.property < b.property ? -1 : 1));
    };

    // The engine walks dependants in dependency order with a growing set; a fixpoint gives the same set.
    for (let grew = true; grew; ) {
        grew = false;
        for (const r of before.resources) {
            if (replaced.has(r.urn) || isComponent(r.type)) continue;
            if (affected(r, replaced).some((p) => p.effect === "replace")) {
                replaced.add(r.urn);
                grew = true;
            }
        }
    }

    for (const r of before.resources) {
        if (roots.has(r.urn) || isComponent(r.type)) continue;
        const now = same.get(r.urn);
        if (!now) continue; // removed from the program: already listed as a removal
        const inputs = affected(r, replaced);
        if (inputs.length === 0) continue;
        const cascaded = replaced.has(r.urn);
        const relevant = cascaded ? inputs.filter((p) => p.effect === "replace") : inputs;
        // Name a resource replaced by its own change before one replaced by the cascade: that is
        // where a reviewer can act.
        const causes = [...new Set(relevant.flatMap((p) => p.causes))];
        causes.sort((a, b) => Number(roots.has(b)) - Number(roots.has(a)) || (a < b ? -1 : 1));
        const causeUrn = causes[0];
        const cause = nameOf(causeUrn, before);
        const properties = relevant.filter((p) => p.causes.includes(causeUrn)).map(({ property, effect }) => ({ property, effect }));
        const names = listWords(properties.map((p) => p.property));
        const one = properties.length === 1;
        const reason = cascaded
            ? `${cause} is replaced delete-first and this resource's ${names} (${one ? "forces" : "force"} replacement) ${one ? "takes" : "take"} ${cause}'s outputs, so the engine deletes this resource first and creates it again`
            : `${cause} is replaced delete-first and this resource's ${names} (${listWords([...new Set(properties.map((p) => EFFECT_NOTE[p.effect]))])}) ${one ? "takes" : "take"} ${cause}'s outputs, which are unknown until the replacement exists`;
        const cascade: Cascade = { cause, causeUrn: same.get(causeUrn)?.urn ?? causeUrn, properties };

        const existing = changeOf.get(now.urn);
        if (existing && existing.kind === "replace") {
            // Replaced anyway; the cascade still orders it: deleted before the resource it depends on.
            if (cascaded) {
                existing.cascade = cascade;
                existing.reason = existing.reason ? `${existing.reason}; and ${reason}` : reason;
            }
            continue;
        }
        if (existing && existing.kind !== "update") continue;
        const change: Change = existing ?? { kind: "update", type: now.type, name: now.name, urn: now.urn, properties: [] };
        change.cascade = cascade;
        change.reason = reason;
        if (cascaded) {
            change.kind = "replace";
            change.warning = dataWarning("replace", r, now);
        }
        if (!existing) {
            changes.push(change);
            changeOf.set(change.urn, change);
        }
    }
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const changes: Change[] = [];
    const matchedOld = new Set<string>();
    // The same resource on both sides (same URN, or an alias naming the old one): old URN → new.
    const same = new Map<string, PlanResource>();

    for (const r of after.resources) {
        const previous = old.get(r.urn);
        if (previous) {
            matchedOld.add(r.urn);
            same.set(previous.urn, r);
            const change = compare(previous, r);
            if (change) changes.push(change);
            continue;
        }
        // A resource whose URN changed: Pulumi deletes and creates it unless an alias names the old URN.
        const aliased = before.resources.find((p) => !now.has(p.urn) && !matchedOld.has(p.urn) && (r.options.aliases ?? []).includes(p.urn));
        if (aliased) {
            matchedOld.add(aliased.urn);
            same.set(aliased.urn, r);
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
    addCascades(before, same, changes);
    const order = { remove: 0, replace: 1, update: 2, add: 3 };
    changes.sort((a, b) => order[a.kind] - order[b.kind] || (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { changes };
}

function show(value: unknown): string {
    if (value === SECRET_MARK) return SECRET_MARK;
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
