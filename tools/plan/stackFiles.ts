// Reads a project's Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands them to a
// program: project defaults first, then the stack's values, then `--config` and `--secret-config`
// overrides.
import { createHash } from "crypto";
import { closest } from "fastest-levenshtein";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** A problem with the command's input: printed as one line, no stack trace. */
export class PlanInputError extends Error {}

export interface ProjectFile {
    readonly name: string;
    readonly main?: string;
    readonly config: Readonly<Record<string, { type?: string; default?: unknown; description?: string }>>;
}

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Fully qualified key (`project:key`) → value as the CLI passes it (a string; JSON for arrays). */
    readonly config: Record<string, string>;
    /** Keys whose values are secret (stored encrypted in the stack file). */
    readonly secretKeys: string[];
    /** The placeholder values given to encrypted keys, to be masked wherever they occur. */
    readonly secretValues: string[];
}

function readYaml(file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new PlanInputError(`cannot read ${path.basename(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
        return YAML.parse(text);
    } catch (e) {
        const first = (e as Error).message.split("\n")[0];
        throw new PlanInputError(`${path.basename(file)} is not valid YAML: ${first}`);
    }
}

export function readProjectFile(projectDir: string): ProjectFile {
    const doc = readYaml(path.join(projectDir, "Pulumi.yaml")) as Partial<ProjectFile> | null;
    if (!doc || typeof doc !== "object" || typeof doc.name !== "string") {
        throw new PlanInputError("Pulumi.yaml has no project name");
    }
    return { name: doc.name, main: doc.main, config: (doc.config as ProjectFile["config"]) ?? {} };
}

export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

function asConfigString(key: string, value: unknown): string {
    if (typeof value === "string") {
        return value;
    }
    if (typeof value === "number" || typeof value === "boolean") {
        return String(value);
    }
    if (Array.isArray(value) || (typeof value === "object" && value !== null)) {
        if (JSON.stringify(value).includes('"secure"')) {
            throw new PlanInputError(`config ${key}: encrypted values inside lists or objects are not supported offline`);
        }
        return JSON.stringify(value);
    }
    throw new PlanInputError(`config ${key} has no value`);
}

/**
 * A deterministic stand-in for an encrypted value, typed by the key's declared type, and a valid
 * URL where the key names one, so that the program's validation passes as it would for real.
 */
export function secretPlaceholder(key: string, declaredType: string | undefined): string {
    const token = `secret${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
    const bare = key.slice(key.indexOf(":") + 1);
    if (declaredType === "integer") {
        return "1";
    }
    if (declaredType === "boolean") {
        return "true";
    }
    if (/url$/i.test(bare)) {
        if (/database|postgres|db/i.test(bare)) {
            return `postgresql://openwebui:${token}@database.invalid:5432/openwebui`;
        }
        if (/redis|valkey|cache/i.test(bare)) {
            return `redis://:${token}@cache.invalid:6379/0`;
        }
        return `https://${token}@placeholder.invalid/`;
    }
    return token;
}

/** Splits `key=value`; `flag` names the option in the error. */
function parseOverride(flag: string, override: string): [string, string] {
    const eq = override.indexOf("=");
    if (eq <= 0) {
        throw new PlanInputError(`${flag} takes key=value, not "${override}"`);
    }
    return [override.slice(0, eq), override.slice(eq + 1)];
}

/**
 * Reads the stack's configuration. `overrides` are plain values (`pulumi config set`), and
 * `secretOverrides` values stored encrypted (`pulumi config set --secret`): secret to the program and
 * masked in the plan. A key of the project's namespace that Pulumi.yaml does not declare is refused,
 * naming the nearest declared one.
 */
export function loadStackConfig(projectDir: string, stack: string, overrides: readonly string[] = [], secretOverrides: readonly string[] = []): StackConfig {
    const project = readProjectFile(projectDir);
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
    const declaredType = (key: string) => project.config[key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : key]?.type;
    const declared = Object.keys(project.config);
    const checkDeclared = (key: string, where: string) => {
        const namespace = `${project.name}:`;
        const bare = key.slice(namespace.length);
        // A project without a config schema accepts any key, as the Pulumi CLI does.
        if (!key.startsWith(namespace) || declared.length === 0 || Object.prototype.hasOwnProperty.call(project.config, bare)) {
            return;
        }
        const lower = declared.map((k) => k.toLowerCase());
        const nearest = declared[lower.indexOf(closest(bare.toLowerCase(), lower))];
        throw new PlanInputError(`${where} sets ${key}, which Pulumi.yaml does not declare (did you mean ${nearest}?)`);
    };

    const config: Record<string, string> = {};
    for (const [key, schema] of Object.entries(project.config)) {
        if (schema && typeof schema === "object" && "default" in schema && schema.default !== undefined) {
            config[qualify(key)] = asConfigString(key, schema.default);
        } else if (schema !== null && typeof schema !== "object") {
            // `key: value` shorthand sets a project-wide value.
            config[qualify(key)] = asConfigString(key, schema);
        }
    }

    const stacks = listStacks(projectDir);
    if (!stacks.includes(stack)) {
        throw new PlanInputError(`no stack "${stack}": there is no Pulumi.${stack}.yaml (stacks here: ${stacks.join(", ") || "none"})`);
    }
    const yamlFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    const stackFile = fs.existsSync(yamlFile) ? yamlFile : path.join(projectDir, `Pulumi.${stack}.yml`);
    const doc = readYaml(stackFile) as { config?: Record<string, unknown> } | null;
    if (doc !== null && (typeof doc !== "object" || Array.isArray(doc))) {
        throw new PlanInputError(`Pulumi.${stack}.yaml must be a mapping with a "config" section`);
    }
    const secretKeys = new Set<string>();
    const secretValues: string[] = [];
    for (const [rawKey, value] of Object.entries(doc?.config ?? {})) {
        const key = qualify(rawKey);
        checkDeclared(key, path.basename(stackFile));
        if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            const placeholder = secretPlaceholder(key, declaredType(key));
            config[key] = placeholder;
            secretKeys.add(key);
            secretValues.push(placeholder);
        } else {
            config[key] = asConfigString(key, value);
        }
    }
    const plainKeys = new Set<string>();
    for (const override of overrides) {
        const [rawKey, value] = parseOverride("--config", override);
        const key = qualify(rawKey);
        checkDeclared(key, `--config ${rawKey}`);
        config[key] = value;
        plainKeys.add(key);
        // As `pulumi config set` without --secret: the value is plain from now on.
        secretKeys.delete(key);
    }
    for (const override of secretOverrides) {
        const [rawKey, value] = parseOverride("--secret-config", override);
        const key = qualify(rawKey);
        checkDeclared(key, `--secret-config ${rawKey}`);
        if (plainKeys.has(key)) {
            throw new PlanInputError(`${key} is given both by --config and by --secret-config: give it once`);
        }
        config[key] = value;
        secretKeys.add(key);
        secretValues.push(value);
    }
    for (const key of Object.keys(config)) {
        const type = declaredType(key);
        const v = config[key];
        if (type === "integer" && !secretKeys.has(key) && !/^-?\d+$/.test(v)) {
            throw new PlanInputError(`config ${key} is declared as integer in Pulumi.yaml but is "${v}"`);
        }
        if (type === "boolean" && !secretKeys.has(key) && v !== "true" && v !== "false") {
            throw new PlanInputError(`config ${key} is declared as boolean in Pulumi.yaml but is "${v}"`);
        }
    }
    return { project: project.name, stack, config, secretKeys: [...secretKeys].sort(), secretValues };
}
