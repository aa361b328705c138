// Turns an evaluation into what a reviewer reads: secret properties shown as `[secret]` the way
// `pulumi preview` shows them, keys sorted, resources in a stable order, as JSON or as a tree.
import { createHash } from "crypto";
import { isDeepStrictEqual } from "util";
import { Evaluation, Plan, PlanResource } from "./evaluate";

export const SECRET_MARK = "[secret]";

/** Every form a secret value may take in a declaration: as is, and percent-encoded inside a URL. */
function secretForms(values: readonly string[]): string[] {
    const forms = new Set<string>();
    for (const v of values) {
        if (v.length === 0) continue;
        forms.add(v);
        forms.add(encodeURIComponent(v));
    }
    // Longest first, so that a secret containing another is masked whole.
    return [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

function maskKnown(value: unknown, forms: readonly string[]): unknown {
    if (typeof value === "string") {
        let out = value;
        for (const form of forms) {
            out = out.split(form).join(SECRET_MARK);
        }
        return out;
    }
    if (Array.isArray(value)) {
        return value.map((v) => maskKnown(v, forms));
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskKnown(v, forms)]));
    }
    return value;
}

/**
 * A short fingerprint of a secret property's value: two renderings of the same value get the same
 * one, so a diff can say "changed" without showing the value. The plan holds stand-ins for
 * encrypted config and generated passwords, never a real secret, so the fingerprint reveals nothing
 * the program's source and stack files do not.
 */
export function secretDigest(value: unknown): string {
    const text = JSON.stringify(canonical(value)) ?? "undefined";
    return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/**
 * Shows each property marked secret as `[secret]`, whole, as `pulumi preview` does: the engine
 * marks a top-level property secret when anything inside it is (one list element, one map value).
 * Everything else stays readable, but any known secret value found in it is still masked where it
 * occurs, so a secret that reaches an unmarked property never prints.
 */
function maskProperties(values: Record<string, unknown>, secretKeys: readonly string[], forms: readonly string[], showSecrets: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) {
        if (showSecrets) {
            out[key] = value;
        } else {
            out[key] = secretKeys.includes(key) ? SECRET_MARK : maskKnown(value, forms);
        }
    }
    return out;
}

/**
 * Fingerprints of the inputs a masked rendering hides, whole or in part: the secret ones, and any
 * other in which a known secret value was masked (a change of that value must still show).
 */
function digests(values: Record<string, unknown>, secretKeys: readonly string[], forms: readonly string[]): Record<string, string> | undefined {
    const keys = Object.keys(values)
        .filter((k) => secretKeys.includes(k) || !isDeepStrictEqual(maskKnown(values[k], forms), values[k]))
        .sort();
    return keys.length ? Object.fromEntries(keys.map((k) => [k, secretDigest(values[k])])) : undefined;
}

export function finalPlan(evaluation: Evaluation, showSecrets: boolean): Plan {
    const { plan } = evaluation;
    const forms = secretForms(evaluation.secretValues);
    return {
        ...plan,
        resources: plan.resources.map((r) => {
            const secretKeys = evaluation.secretInputs.get(r.urn) ?? [];
            const masked: PlanResource = { ...r, inputs: maskProperties(r.inputs, secretKeys, forms, showSecrets) };
            const fingerprints = digests(r.inputs, secretKeys, forms);
            if (fingerprints) masked.secretDigests = fingerprints;
            return masked;
        }),
        outputs: maskProperties(plan.outputs, evaluation.secretOutputs, forms, showSecrets),
    };
}

function canonical(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(canonical);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.keys(value)
                .sort()
                .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
        );
    }
    return value;
}

/** The JSON document: keys sorted at every level, two runs give identical bytes. */
export function planJson(plan: Plan): string {
    return `${JSON.stringify(canonical(plan), null, 2)}\n`;
}

function formatValue(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(canonical(value));
}

/** The tree a reviewer reads: each resource under its parent, with its inputs and options. */
export function planText(plan: Plan): string {
    const children = new Map<string | null, PlanResource[]>();
    for (const r of plan.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const lines: string[] = [`Plan of stack ${plan.stack} (project ${plan.project}): ${plan.resources.length} resources`, ""];
    const walk = (parent: string | null, indent: string) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${indent}+ ${r.type}  ${r.name}`);
            const detail = `${indent}    `;
            for (const key of Object.keys(r.inputs).sort()) {
                const value = r.inputs[key];
                if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string") && key !== "aliases") {
                    lines.push(`${detail}${key}:`);
                    for (const v of value) lines.push(`${detail}  - ${v}`);
                } else {
                    lines.push(`${detail}${key}: ${formatValue(value)}`);
                }
            }
            const options = Object.entries(r.options).filter(([k]) => k !== "dependsOn");
            if (options.length > 0) {
                lines.push(`${detail}options: ${options.map(([k, v]) => `${k}=${formatValue(v)}`).join(" ")}`);
            }
            if (r.options.dependsOn?.length) {
                lines.push(`${detail}depends on: ${r.options.dependsOn.map((u) => u.split("::").pop()).join(", ")}`);
            }
            const inputsFrom = Object.entries(r.propertyDependencies ?? {});
            if (inputsFrom.length > 0) {
                // The edges along which a delete-first replacement reaches this resource.
                lines.push(`${detail}inputs from: ${inputsFrom.map(([k, urns]) => `${k} <- ${urns.map((u) => u.split("::").pop()).join(", ")}`).join("; ")}`);
            }
            walk(r.urn, `${indent}    `);
        }
    };
    walk(null, "");
    lines.push("", "Outputs:");
    for (const key of Object.keys(plan.outputs).sort()) {
        lines.push(`    ${key}: ${formatValue(plan.outputs[key])}`);
    }
    return `${lines.join("\n")}\n`;
}
