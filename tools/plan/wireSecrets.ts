// How Pulumi's wire format marks a secret value: `{ [SECRET_SIG]: SECRET_SIG_VALUE, value }`.
// The one definition for the plan's producer, its reader and the unit tests' mocks; it loads
// nothing, so the realizer does not pull in the Pulumi SDK.

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}

/**
 * Whether a secret marker occurs anywhere in the value: in a list element, a map value, at any
 * depth. The engine marks the whole top-level property secret in that case.
 */
export function containsSecret(v: unknown): boolean {
    if (isSecretValue(v)) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some(containsSecret);
    }
    if (typeof v === "object" && v !== null) {
        return Object.values(v).some(containsSecret);
    }
    return false;
}

/** The value with every secret marker replaced by what it wraps. */
export function unwrapSecrets(v: unknown): unknown {
    if (isSecretValue(v)) {
        return unwrapSecrets(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}
