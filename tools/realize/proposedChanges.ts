// What a second `pulumi up` proposes for a container: the program's declared inputs compared with
// the state Read left (readBack.ts), with the Terraform SDK's diff rules for each field's schema
// (readBackFields.ts) and the effect tables of tools/plan/providerSchema.ts.
//
// The SDK's rules followed here (helper/schema diffString / diffList / diffSet / diffMap):
// - an Optional+Computed field the program leaves unset shows no diff, whatever state holds;
// - an unset field with a schema Default is compared as that default;
// - any other unset field is compared as its type's zero value ("", false, 0, empty list, set or
//   map), so a non-zero value that Read stored is a change (memory_swap, log_opts...);
// - sets compare as sets, lists in order, maps by their entries;
// - user and working_dir have a DiffSuppressFunc that ignores an empty program value;
// - ports (a TypeList) has a DiffSuppressFunc that, for lists of equal length, matches each stored
//   block to a declared block of the same internal port and compares protocol, external and ip:
//   the order does not matter. An undeclared external (Optional+Computed) matches any.
// - nested defaults apply inside declared blocks: ports ip "0.0.0.0" and protocol "tcp";
//   healthcheck durations "0s" and retries 0.

import { REPLACE_ON_CHANGE, STATE_ONLY, UPDATED_IN_PLACE } from "../plan/providerSchema";
import { PlanResource, RESOURCE_TYPES, describe } from "./plan";
import { CONTAINER_READ_BACK, FieldModel, ModelledField, Shape } from "./readBackFields";

/** replace: ForceNew or replaceOnChanges; update: the provider's Update applies it; state-only: Update only records it. */
export type ChangeEffect = "replace" | "update" | "state-only";

export interface ProposedChange {
    /** The Pulumi resource name. */
    resource: string;
    /** Property path in Pulumi input names, e.g. "capabilities.adds", "memorySwap". */
    property: string;
    /** What state holds after Read (the daemon's value, for fields Read sets). */
    before: unknown;
    /** What the program declares; undefined when it leaves the field unset. */
    after: unknown;
    /** Whether the program declares the field (else it is compared as its default or zero value). */
    declared: boolean;
    effect: ChangeEffect;
    replaces: boolean;
    /** Why the change has this effect. */
    why: string;
}

type Json = unknown;

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Stable text of a value: objects with sorted keys, so equal values give equal text. */
function canonicalText(value: Json): string {
    if (Array.isArray(value)) return `[${value.map(canonicalText).join(",")}]`;
    if (isRecord(value)) {
        return `{${Object.keys(value)
            .filter((k) => value[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonicalText(value[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value ?? null);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/** A set's members as sorted canonical text, duplicates dropped. */
function setOf(value: unknown): string[] {
    return [...new Set(asList(value).map(canonicalText))].sort();
}

/** The comparable form of a value of `shape` (undefined means the type's zero value). */
function comparable(shape: Shape, value: unknown): string {
    switch (shape.kind) {
        case "string":
            return JSON.stringify(value === undefined || value === null ? "" : String(value));
        case "bool":
            return JSON.stringify(value === true);
        case "int":
            return JSON.stringify(typeof value === "number" ? value : 0);
        case "list":
            return canonicalText(asList(value));
        case "set":
            return canonicalText(setOf(value));
        case "map":
            return canonicalText(isRecord(value) ? value : {});
        case "objectSet":
            return canonicalText(
                setOf(
                    asList(value).map((item) =>
                        isRecord(item) ? Object.fromEntries(shape.keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]])) : item,
                    ),
                ),
            );
        case "healthcheck":
        case "capabilities":
        case "ports":
            throw new Error(`comparable: ${shape.kind} is compared field by field`);
    }
}

// ---------------------------------------------------------------------------------------------
// Nested blocks

const HEALTHCHECK_DEFAULTS = { interval: "0s", timeout: "0s", startPeriod: "0s", startInterval: "0s", retries: 0 } as const;

interface FieldDiff {
    path: string;
    before: unknown;
    after: unknown;
}

function healthcheckDiffs(before: unknown, after: unknown): FieldDiff[] {
    const b = isRecord(before) ? before : {};
    const a = isRecord(after) ? after : {};
    const diffs: FieldDiff[] = [];
    const tests = { before: asList(b["tests"]), after: asList(a["tests"]) };
    if (canonicalText(tests.before) !== canonicalText(tests.after)) diffs.push({ path: "healthcheck.tests", ...tests });
    for (const [key, fallback] of Object.entries(HEALTHCHECK_DEFAULTS)) {
        const was = b[key] ?? fallback;
        const wanted = a[key] ?? fallback;
        if (canonicalText(was) !== canonicalText(wanted)) diffs.push({ path: `healthcheck.${key}`, before: b[key], after: a[key] });
    }
    return diffs;
}

function capabilitiesDiffs(before: unknown, after: unknown): FieldDiff[] {
    const b = isRecord(before) ? before : {};
    const a = isRecord(after) ? after : {};
    const diffs: FieldDiff[] = [];
    for (const key of ["adds", "drops"]) {
        if (canonicalText(setOf(b[key])) !== canonicalText(setOf(a[key]))) {
            diffs.push({ path: `capabilities.${key}`, before: b[key] ?? [], after: a[key] ?? [] });
        }
    }
    return diffs;
}

interface Port {
    internal: unknown;
    external: unknown;
    ip: unknown;
    protocol: unknown;
}

function portsWithDefaults(value: unknown): Port[] {
    return asList(value).map((p) => {
        const r = isRecord(p) ? p : {};
        const ip = r["ip"] === undefined || r["ip"] === "" ? "0.0.0.0" : r["ip"]; // Default and StateFunc
        return { internal: r["internal"], external: r["external"], ip, protocol: r["protocol"] ?? "tcp" };
    });
}

/** suppressIfPortsDidNotChangeForMigrationV0ToV1: true when the two lists count as unchanged. */
function portsUnchanged(stored: Port[], declared: Port[]): boolean {
    if (stored.length !== declared.length) return false;
    const hasPortWithProtocol = (internal: unknown, protocol: unknown): boolean =>
        declared.some((p) => p.internal === internal && p.protocol === protocol);
    for (const old of stored) {
        let found = false;
        for (const wanted of declared) {
            if (wanted.internal !== old.internal) continue;
            if (wanted.protocol !== old.protocol) {
                if (hasPortWithProtocol(old.internal, old.protocol)) continue;
                return false;
            }
            if (wanted.external !== undefined && wanted.external !== old.external) return false;
            if (wanted.ip !== old.ip) return false;
            found = true;
            break;
        }
        if (!found) return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Effects

const CONTAINER = RESOURCE_TYPES.container;

/** A replaceOnChanges entry without array indices ("ports[*].external" → "ports.external"). */
function optionPath(entry: string): string {
    return entry.replace(/\[[^\]]*\]/g, "").replace(/\.\./g, ".");
}

function effectOf(resource: PlanResource, field: string, path: string): { effect: ChangeEffect; why: string } {
    for (const entry of resource.options.replaceOnChanges ?? []) {
        const p = optionPath(entry);
        if (p === "*" || p === path || path.startsWith(`${p}.`) || p.startsWith(`${path}.`)) {
            return { effect: "replace", why: `replaceOnChanges: "${entry}"` };
        }
    }
    if ((REPLACE_ON_CHANGE[CONTAINER] ?? []).includes(field)) return { effect: "replace", why: "ForceNew in the provider schema" };
    if ((UPDATED_IN_PLACE[CONTAINER] ?? []).includes(field)) return { effect: "update", why: "the provider's Update applies it to the running container" };
    if ((STATE_ONLY[CONTAINER] ?? []).includes(field)) return { effect: "state-only", why: "the provider's Update only records it in state" };
    throw new Error(`proposedChanges: ${field} is in none of the effect tables of tools/plan/providerSchema.ts`);
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * The properties a second `pulumi up` would change on `resource`, given the state Read left
 * (`readBackContainer`). Empty when the program and the read-back state agree.
 */
export function proposedChanges(resource: PlanResource, state: Readonly<Record<string, unknown>>): ProposedChange[] {
    if (resource.type !== CONTAINER) throw new Error(`${describe(resource)}: only ${CONTAINER} resources are compared`);
    const inputs = Object.fromEntries(Object.entries(resource.inputs).filter(([, value]) => value !== undefined));
    const changes: ProposedChange[] = [];
    const add = (field: string, diff: FieldDiff, declared: boolean): void => {
        const { effect, why } = effectOf(resource, field, diff.path);
        changes.push({ resource: resource.name, property: diff.path, before: diff.before, after: diff.after, declared, effect, replaces: effect === "replace", why });
    };

    for (const [field, model] of Object.entries(CONTAINER_READ_BACK) as Array<[string, FieldModel]>) {
        if (model.read === "unmodelled") {
            if (field in inputs) throw new Error(`${describe(resource)}: input "${field}" is not modelled (${model.reason})`);
            continue;
        }
        if (!(field in state)) continue; // neither declared nor read: nothing to compare
        const m: ModelledField = model;
        const declared = field in inputs;
        const before = state[field];
        const after = declared ? inputs[field] : m.default;
        if (after === undefined && m.computed === true) continue;
        if (m.emptyIsNoChange === true && (after === undefined || after === "")) continue;

        switch (m.shape.kind) {
            case "healthcheck":
                for (const diff of healthcheckDiffs(before, after)) add(field, diff, declared);
                break;
            case "capabilities":
                if (after === undefined) {
                    // the program declares no block: the stored block is removed (a set of one element)
                    add(field, { path: field, before, after }, declared);
                } else {
                    for (const diff of capabilitiesDiffs(before, after)) add(field, diff, declared);
                }
                break;
            case "ports":
                if (!portsUnchanged(portsWithDefaults(before), portsWithDefaults(after))) add(field, { path: field, before, after }, declared);
                break;
            default:
                if (comparable(m.shape, before) !== comparable(m.shape, after)) add(field, { path: field, before, after }, declared);
        }
    }
    return changes;
}

/** One line per change, for failure messages and reports. */
export function describeChanges(changes: readonly ProposedChange[]): string {
    return changes
        .map((c) => {
            const after = c.declared ? JSON.stringify(c.after) : `${JSON.stringify(c.after ?? null)} (not declared)`;
            return `${c.resource}: ${c.property}: ${JSON.stringify(c.before)} -> ${after} [${c.effect}: ${c.why}]`;
        })
        .join("\n");
}
