import * as pulumi from "@pulumi/pulumi";

/**
 * A setting with a bad value. Pulumi prints a RunError's message without a stack trace, so the
 * message carries everything a user needs: the setting, the value, what is wrong, and the fix.
 */
export class SettingError extends pulumi.RunError {
    constructor(
        readonly setting: string,
        readonly value: unknown,
        readonly problem: string,
        readonly fix: string,
    ) {
        super(`${setting} = ${describeValue(value)}: ${problem}. Fix: ${fix}.`);
        this.name = "SettingError";
    }
}

function describeValue(value: unknown): string {
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    if (value === undefined) {
        return "(unset)";
    }
    return JSON.stringify(value) ?? String(value);
}

/** Runs every check and throws one error that lists all the problems, so a user fixes them in one go. */
export function collectSettingErrors(checks: Array<() => void>): void {
    const errors: SettingError[] = [];
    for (const check of checks) {
        try {
            check();
        } catch (e) {
            if (e instanceof SettingError) {
                errors.push(e);
            } else if (e instanceof SettingErrors) {
                // A nested check that already collected (e.g. the shared settings under a Swarm flavour's).
                errors.push(...e.errors);
            } else {
                throw e;
            }
        }
    }
    if (errors.length === 1) {
        throw errors[0];
    }
    if (errors.length > 1) {
        throw new SettingErrors(errors);
    }
}

/** Several bad settings at once. */
export class SettingErrors extends pulumi.RunError {
    constructor(readonly errors: SettingError[]) {
        super(`${errors.length} settings are invalid:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`);
        this.name = "SettingErrors";
    }
}
