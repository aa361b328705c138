// Reading plan inputs: FieldReader checks each value's type and names the resource and the field
// path when it refuses one, so a mapping function reads like a list of fields. Also the small
// parsers that follow the docker CLI (--cpus, --gpus) and engine API version comparison.

import type Dockerode from "dockerode";

import { FieldRule, LABEL_KEYS } from "./fieldTables";
import { parseGoDuration, DurationError } from "./goDuration";
import { PlanError, PlanResource, describe } from "./plan";

// ---------------------------------------------------------------------------------------------
// Value readers: each names the resource and the field path when it refuses a value

export class FieldReader {
    constructor(readonly where: string) {}

    fail(path: string, message: string): never {
        throw new PlanError(`${this.where}: field "${path}" ${message}`);
    }

    object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
        if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "must be an object");
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
            if (!allowed.includes(key)) this.fail(`${path}.${key}`, "is not mapped by the realizer");
        }
        return record;
    }

    list(value: unknown, path: string): unknown[] | undefined {
        if (value === undefined) return undefined;
        if (!Array.isArray(value)) this.fail(path, "must be a list");
        return value;
    }

    objects(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown>[] | undefined {
        return this.list(value, path)?.map((item, i) => this.object(item, `${path}[${i}]`, allowed));
    }

    string(value: unknown, path: string): string | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "string") this.fail(path, "must be a string");
        return value;
    }

    requiredString(value: unknown, path: string): string {
        const s = this.string(value, path);
        if (s === undefined || s === "") this.fail(path, "is required");
        return s;
    }

    boolean(value: unknown, path: string): boolean | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "boolean") this.fail(path, "must be a boolean");
        return value;
    }

    integer(value: unknown, path: string, min?: number): number | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "number" || !Number.isSafeInteger(value)) this.fail(path, "must be an integer");
        if (min !== undefined && value < min) this.fail(path, `must be at least ${min}`);
        return value;
    }

    requiredInteger(value: unknown, path: string, min?: number): number {
        const n = this.integer(value, path, min);
        if (n === undefined) this.fail(path, "is required");
        return n;
    }

    strings(value: unknown, path: string): string[] | undefined {
        const items = this.list(value, path);
        if (items === undefined) return undefined;
        return items.map((item, i) => {
            if (typeof item !== "string") this.fail(`${path}[${i}]`, "must be a string");
            return item;
        });
    }

    stringMap(value: unknown, path: string): Record<string, string> | undefined {
        if (value === undefined) return undefined;
        if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(path, "must be a map of strings");
        const out: Record<string, string> = {};
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
            if (typeof item !== "string") this.fail(`${path}.${key}`, "must be a string");
            out[key] = item;
        }
        return out;
    }

    oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
        const s = this.string(value, path);
        if (s === undefined) return undefined;
        if (!(allowed as readonly string[]).includes(s)) this.fail(path, `must be one of ${allowed.map((a) => `'${a}'`).join(", ")}`);
        return s as T;
    }

    duration(value: unknown, path: string): number | undefined {
        const s = this.string(value, path);
        if (s === undefined) return undefined;
        let ns: number;
        try {
            ns = parseGoDuration(s);
        } catch (e) {
            if (e instanceof DurationError) this.fail(path, `is not a Go duration: ${e.message}`);
            throw e;
        }
        if (ns < 0) this.fail(path, "must not be negative");
        return ns;
    }

    /** A Pulumi label list ([{label, value}]) as a map; a label named twice is refused. */
    labels(value: unknown, path: string): Record<string, string> | undefined {
        const items = this.objects(value, path, LABEL_KEYS);
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

/**
 * Opens a resource for mapping: checks its type and that the table maps each top-level field it
 * sets (an `unsupported` one fails), and returns a reader whose errors name the resource.
 */
export function readResource(
    resource: PlanResource,
    type: string,
    table: { readonly [field: string]: FieldRule },
): { reader: FieldReader; inputs: Record<string, unknown> } {
    if (resource.type !== type) {
        throw new PlanError(`${describe(resource)}: expected a resource of type ${type}`);
    }
    const reader = new FieldReader(describe(resource));
    const inputs = resource.inputs;
    for (const field of Object.keys(inputs)) {
        const rule = table[field];
        if (rule === undefined) reader.fail(field, "is not mapped by the realizer");
        if (rule.kind === "unsupported") reader.fail(field, `cannot be realized: ${rule.reason}`);
    }
    return { reader, inputs };
}

/** `fields` without its undefined members: like the provider, leave unset fields out of a request. */
export function definedOnly<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
        [K in keyof T]?: Exclude<T[K], undefined>;
    };
}

// ---------------------------------------------------------------------------------------------
// Engine API versions

/** The later of two engine API versions ("1.41" style). */
export function maxVersion(a: string, b: string): string {
    const [am = 0, an = 0] = a.split(".").map(Number);
    const [bm = 0, bn = 0] = b.split(".").map(Number);
    return am > bm || (am === bm && an >= bn) ? a : b;
}

/** True when engine API version `have` is at least `need` ("1.41" style). */
export function apiVersionAtLeast(have: string, need: string): boolean {
    return maxVersion(have, need) === have;
}

// ---------------------------------------------------------------------------------------------
// Small parsers

/** An octal file mode as uploads declare it ("0644" or "644"). */
export function parseMode(text: string, reader: FieldReader, path: string): number {
    if (!/^0?[0-7]{1,4}$/.test(text)) reader.fail(path, "must be an octal file mode such as 0644");
    return parseInt(text, 8);
}

/** A numeric uid or gid; a user or group name is refused. */
export function numericId(text: string | undefined, reader: FieldReader, path: string): number | undefined {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) reader.fail(path, "must be numeric here (names are resolved on the provider's host, which the realizer does not imitate)");
    return Number(text);
}

/** `docker run --cpus` semantics: a decimal number of CPUs → NanoCpus, refused if finer than 1e-9. */
export function parseCpus(text: string): number {
    const match = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/.exec(text.trim());
    if (match === null) throw new Error(`"${text}" is not a decimal number of CPUs`);
    const whole = match[1] ?? "0";
    const fraction = (match[2] ?? match[3] ?? "").replace(/0+$/, "");
    if (fraction.length > 9) throw new Error(`"${text}" is too precise (at most 9 decimals)`);
    const nano = BigInt(whole) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0") || "0");
    if (nano > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`"${text}" is too large`);
    return Number(nano);
}

/** One CSV record (RFC 4180 quoting), as Go's encoding/csv reads `--gpus` values. */
function readCsvRecord(text: string): string[] {
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') {
                field += '"';
                i++;
            } else if (c === '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c === '"' && field === "") {
            quoted = true;
        } else if (c === ",") {
            fields.push(field);
            field = "";
        } else {
            field += c;
        }
    }
    if (quoted) throw new Error(`unterminated quote in "${text}"`);
    fields.push(field);
    return fields;
}

/** `docker run --gpus` semantics (docker/cli opts.GpuOpts): "all", a count, or CSV of key=value. */
export function parseGpus(text: string): Dockerode.DeviceRequest {
    const request: Dockerode.DeviceRequest = {};
    const seen = new Set<string>();
    const count = (value: string): number => {
        if (value === "all") return -1;
        if (!/^-?\d+$/.test(value)) throw new Error(`count must be an integer, not "${value}"`);
        return Number(value);
    };
    for (const field of readCsvRecord(text)) {
        const eq = field.indexOf("=");
        const key = eq < 0 ? field : field.slice(0, eq);
        const value = eq < 0 ? "" : field.slice(eq + 1);
        if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
        seen.add(key);
        if (eq < 0) {
            seen.add("count");
            request.Count = count(key);
            continue;
        }
        switch (key) {
            case "driver":
                request.Driver = value;
                break;
            case "count":
                request.Count = count(value);
                break;
            case "device":
                request.DeviceIDs = value.split(",");
                break;
            case "capabilities":
                request.Capabilities = [[...value.split(","), "gpu"]];
                break;
            case "options":
                request.Options = Object.fromEntries(
                    readCsvRecord(value).map((kv) => {
                        const i = kv.indexOf("=");
                        return i < 0 ? [kv, ""] : [kv.slice(0, i), kv.slice(i + 1)];
                    }),
                );
                break;
            default:
                throw new Error(`unexpected key '${key}' in '${field}'`);
        }
    }
    if (!seen.has("count") && request.DeviceIDs === undefined) request.Count = 1;
    request.Options ??= {};
    request.Capabilities ??= [["gpu"]];
    return request;
}
