// Reads a stack's configuration into the components' arguments and validates all of it, including
// what spans both components, before the program creates a single resource.
import * as pulumi from "@pulumi/pulumi";
import { closest } from "fastest-levenshtein";
import type { OpenWebUIArgs } from "../components/openWebUI";
import { checkConnection, resolveOpenWebUISettings } from "../components/openWebUISettings";
import { SettingError, SettingErrors } from "../components/settingError";
import type { PostgresDatabaseArgs } from "../components/postgresDatabase";
import { resolvePostgresSettings } from "../components/postgresSettings";
import type { ValkeyCacheArgs } from "../components/valkeyCache";
import { checkPassword, resolveValkeySettings } from "../components/valkeySettings";
import { checkDockerName } from "../components/validation";
import { resolveSwarmOpenWebUISettings } from "../components/swarmOpenWebUISettings";
import { resolveSwarmValkeySettings } from "../components/swarmValkeySettings";

/** Where the stack runs: containers on one Docker host, or services on a Swarm. */
export const ORCHESTRATORS = ["docker", "swarm"] as const;
export type Orchestrator = (typeof ORCHESTRATORS)[number];

/** Keys a Swarm service cannot honour: refused with orchestrator swarm rather than silently ignored. */
export const CONTAINER_ONLY_KEYS: Readonly<Partial<Record<ConfigKey, string>>> = {
    valkeyMaxProcesses: "a service spec has no ulimits (the provider's Service offers none)",
    valkeyHostPort: "the Swarm Valkey is reached over the overlay network only",
    valkeyHostAddress: "the Swarm Valkey is reached over the overlay network only",
    openWebUIHostAddress: "a Swarm port binds every address of a node (ingress or host mode); put a firewall or a proxy in front",
};

/**
 * Keys that only a Swarm stack reads, with their Pulumi.yaml defaults (the CLI hands defaults to
 * every stack): a docker stack that changes one is refused, since the change would do nothing.
 */
export const SWARM_ONLY_KEYS: Readonly<Partial<Record<ConfigKey, string>>> = {
    swarmEndpointMode: "vip",
    swarmPublishMode: "ingress",
    valkeyPlacementLabel: "openwebui-valkey.valkey",
    openWebUIReplicas: "1",
    openWebUIMaxReplicasPerNode: "1",
    openWebUIUpdateOrder: "",
    openWebUIStorageProvider: "local",
    openWebUIStorageEnvs: "[]",
    swarmPreflight: "true",
};

/** What only a Swarm stack has, in the components' argument names. */
export interface SwarmStackSettings {
    readonly endpointMode?: string;
    readonly publishMode?: string;
    readonly placementLabel?: string;
    readonly replicas?: number;
    readonly maxReplicasPerNode?: number;
    readonly updateOrder?: string;
    readonly storageProvider?: string;
    readonly storageEnvs?: Record<string, string>;
    /** Check the swarm (labels, nodes, ports) before declaring anything. */
    readonly preflight: boolean;
}

export const CONFIG_NAMESPACE = "openwebui-valkey";

/** Where each config key goes: the component argument it sets (used to name keys in errors). */
export const CONFIG_KEYS = {
    namePrefix: "physical-name prefix",
    useTutorialNames: "physical names",
    retainDataOnDelete: "retainDataOnDelete",
    valkeyImage: "image",
    valkeyAuthentication: "authentication",
    valkeyPassword: "password",
    valkeyMaxclients: "maxclients",
    valkeyTimeoutSeconds: "timeoutSeconds",
    valkeyTcpKeepaliveSeconds: "tcpKeepaliveSeconds",
    valkeyMaxmemoryMb: "maxmemoryMb",
    valkeyMaxmemoryPolicy: "maxmemoryPolicy",
    valkeyMemoryLimitMb: "memoryLimitMb",
    valkeyMaxProcesses: "maxProcesses",
    valkeyRunAsValkeyUser: "runAsValkeyUser",
    valkeyHostPort: "hostPort",
    valkeyHostAddress: "hostAddress",
    openWebUIImage: "image",
    openWebUIHostPort: "hostPort",
    openWebUIHostAddress: "hostAddress",
    openWebUIMemoryLimitMb: "memoryLimitMb",
    openWebUIExtraEnvs: "extraEnvs",
    uvicornWorkers: "uvicornWorkers",
    redisKeyPrefix: "redisKeyPrefix",
    redisHealthCheckIntervalSeconds: "redisHealthCheckIntervalSeconds",
    redisSocketKeepalive: "redisSocketKeepalive",
    secretKey: "secretKey",
    databaseUrl: "databaseUrl",
    protectData: "protectData",
    valkeyStopGraceSeconds: "stopGraceSeconds",
    openWebUIStopGraceSeconds: "stopGraceSeconds",
    openWebUIWaitTimeoutSeconds: "waitTimeoutSeconds",
    openWebUIJwtExpiresIn: "jwtExpiresIn",
    openWebUIOfflineMode: "offlineMode",
    vectorDb: "vectorDb",
    postgresEnabled: "PostgresDatabase",
    postgresImage: "image",
    postgresPassword: "password",
    postgresMemoryLimitMb: "memoryLimitMb",
    postgresHostPort: "hostPort",
    orchestrator: "orchestrator",
    swarmEndpointMode: "endpointMode",
    swarmPublishMode: "publishMode",
    valkeyPlacementLabel: "placementLabel",
    openWebUIReplicas: "replicas",
    openWebUIMaxReplicasPerNode: "maxReplicasPerNode",
    openWebUIUpdateOrder: "updateOrder",
    openWebUIStorageProvider: "storageProvider",
    openWebUIStorageEnvs: "storageEnvs",
    swarmPreflight: "swarmPreflight",
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

/** Keys whose values must be stored encrypted (`pulumi config set --secret`). */
export const SECRET_CONFIG_KEYS: readonly ConfigKey[] = ["valkeyPassword", "secretKey", "databaseUrl", "postgresPassword"];

/** The physical names of one stack's Docker objects. */
export interface PhysicalNames {
    readonly network: string;
    readonly valkeyContainer: string;
    readonly valkeyVolume: string;
    readonly openWebUIContainer: string;
    readonly openWebUIVolume: string;
    readonly postgresContainer: string;
    readonly postgresVolume: string;
}

/** The tutorial's names, for users who want exactly its layout (one deployment per Docker host). */
export const TUTORIAL_NAMES: PhysicalNames = {
    network: "openwebui-network",
    valkeyContainer: "valkey",
    valkeyVolume: "valkey-data",
    openWebUIContainer: "open-webui",
    openWebUIVolume: "open-webui",
    // Not in the tutorial, which stops at SQLite: named in its style.
    postgresContainer: "postgres",
    postgresVolume: "postgres-data",
};

export function physicalNames(prefix: string | undefined): PhysicalNames {
    if (prefix === undefined) {
        return TUTORIAL_NAMES;
    }
    const named = (n: string) => `${prefix}-${n}`;
    return {
        network: named(TUTORIAL_NAMES.network),
        valkeyContainer: named(TUTORIAL_NAMES.valkeyContainer),
        valkeyVolume: named(TUTORIAL_NAMES.valkeyVolume),
        openWebUIContainer: named(TUTORIAL_NAMES.openWebUIContainer),
        openWebUIVolume: named(`${TUTORIAL_NAMES.openWebUIVolume}-data`),
        postgresContainer: named(TUTORIAL_NAMES.postgresContainer),
        postgresVolume: named(TUTORIAL_NAMES.postgresVolume),
    };
}

/** Everything the program needs, in plain values; secrets are left to the program to read as secrets. */
export interface StackSettings {
    readonly names: PhysicalNames;
    readonly valkey: Omit<ValkeyCacheArgs, "password">;
    readonly openWebUI: Omit<OpenWebUIArgs, "redisUrl" | "networkName" | "secretKey" | "databaseUrl" | "redisServerTimeoutSeconds">;
    /** The PostgresDatabase to deploy beside Valkey, or undefined when the stack has none. */
    readonly postgres?: Omit<PostgresDatabaseArgs, "networkName" | "password">;
    /** Which secrets the stack supplies; the rest are generated (or, for databaseUrl, left unset). */
    readonly given: { readonly valkeyPassword: boolean; readonly secretKey: boolean; readonly databaseUrl: boolean; readonly postgresPassword: boolean };
    readonly orchestrator: Orchestrator;
    /** The Swarm settings, when the orchestrator is swarm. */
    readonly swarm?: SwarmStackSettings;
}

/** Reads a raw config value (as `pulumi config get` stores it: a string, JSON for arrays). */
export type ConfigReader = (key: ConfigKey) => string | undefined;

/** The whole configuration the engine handed the program, to check its keys, not only the values read. */
export interface GivenConfig {
    /** Every key that is set, fully qualified (`namespace:key`), with its raw value. */
    readonly values: Readonly<Record<string, string>>;
    /** Whether a fully qualified key's value is stored encrypted (`pulumi config set --secret`). */
    readonly isSecret: (fullKey: string) => boolean;
}

/** The configuration of the running stack, as the Pulumi engine (or Pulumi's mocks) set it. */
export function engineConfig(): GivenConfig {
    // Pulumi's own test for "was this key set with --secret"; exported by the runtime, left out of its typings.
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (fullKey: string) => boolean }).isConfigSecret;
    if (typeof isConfigSecret !== "function") {
        throw new Error("this @pulumi/pulumi has no runtime.isConfigSecret: the program cannot tell encrypted config from plain text");
    }
    return { values: pulumi.runtime.allConfig(), isSecret: (fullKey) => isConfigSecret(fullKey) };
}

/** The known key nearest to `key`, ignoring case first (`valkeyMaxClients` → `valkeyMaxclients`). */
export function nearestConfigKey(key: string): ConfigKey {
    const known = Object.keys(CONFIG_KEYS) as ConfigKey[];
    const lower = known.map((k) => k.toLowerCase());
    return known[lower.indexOf(closest(key.toLowerCase(), lower))];
}

/**
 * Refuses keys of this project's namespace that the program does not know (a typo would otherwise be
 * ignored without a word, the setting left at its default) and secrets stored in plain text. Neither
 * error shows the value: a mistyped key may well hold a password.
 */
export function checkConfigKeys(stack: string, given: GivenConfig): SettingError[] {
    const errors: SettingError[] = [];
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const key of Object.keys(given.values).sort()) {
        if (!key.startsWith(prefix)) {
            continue;
        }
        const bare = key.slice(prefix.length);
        if (!Object.prototype.hasOwnProperty.call(CONFIG_KEYS, bare)) {
            const nearest = nearestConfigKey(bare);
            const set = SECRET_CONFIG_KEYS.includes(nearest) ? "pulumi config set --secret" : "pulumi config set";
            errors.push(
                new SettingError(key, "[hidden]", `this program has no setting of that name (did you mean ${nearest}?)`, `pulumi config rm ${bare}, then ${set} ${nearest} <value>`),
            );
        }
    }
    for (const key of SECRET_CONFIG_KEYS) {
        const value = given.values[fullKey(key)];
        // Empty is unset (the project default): nothing to protect.
        if (value !== undefined && value !== "" && !given.isSecret(fullKey(key))) {
            errors.push(
                new SettingError(
                    fullKey(key),
                    "[secret]",
                    `it is stored in plain text, readable by anyone who can read Pulumi.${stack}.yaml`,
                    `store it encrypted with pulumi config set --secret ${key} (it prompts for the value)`,
                ),
            );
        }
    }
    return errors;
}

/**
 * Reads and checks every setting. With `whole` (the whole configuration, see `engineConfig`), also
 * refuses unknown keys and plain-text secrets; all problems are reported in one error.
 */
export function readStackSettings(stack: string, read: ConfigReader, whole?: GivenConfig): StackSettings {
    const errors: SettingError[] = [];
    const attempt = <T>(f: () => T): T | undefined => {
        try {
            return f();
        } catch (e) {
            if (e instanceof SettingError) {
                errors.push(e);
                return undefined;
            }
            throw e;
        }
    };
    const str = (key: ConfigKey): string | undefined => {
        const v = read(key);
        return v === undefined || v === "" ? undefined : v;
    };
    const bool = (key: ConfigKey): boolean | undefined =>
        attempt(() => {
            const v = str(key);
            if (v === undefined) {
                return undefined;
            }
            if (v !== "true" && v !== "false") {
                throw new SettingError(fullKey(key), v, "it is not a boolean", `pulumi config set ${key} true (or false)`);
            }
            return v === "true";
        });
    // 0 means "unset" for the optional numbers (no limit, no published port).
    const int = (key: ConfigKey, zeroMeansUnset = false): number | undefined =>
        attempt(() => {
            const v = str(key);
            if (v === undefined) {
                return undefined;
            }
            if (!/^-?\d+$/.test(v)) {
                throw new SettingError(fullKey(key), v, "it is not a whole number", `pulumi config set ${key} <number>`);
            }
            const n = Number(v);
            return zeroMeansUnset && n === 0 ? undefined : n;
        });
    const extraEnvs = attempt(() => parseExtraEnvs(read("openWebUIExtraEnvs")));
    const orchestrator = (str("orchestrator") ?? "docker") as Orchestrator;
    if (!(ORCHESTRATORS as readonly string[]).includes(orchestrator)) {
        errors.push(new SettingError(fullKey("orchestrator"), orchestrator, "the program deploys containers on one Docker host or services on a Swarm", "pulumi config set orchestrator docker (or swarm)"));
    }
    for (const key of Object.keys(CONTAINER_ONLY_KEYS) as ConfigKey[]) {
        const why = CONTAINER_ONLY_KEYS[key];
        if (orchestrator === "swarm" && str(key) !== undefined && read(key) !== defaultOf(key)) {
            errors.push(new SettingError(fullKey(key), str(key), `it has no effect with orchestrator swarm: ${why}`, `pulumi config rm ${key}`));
        }
    }
    for (const key of Object.keys(SWARM_ONLY_KEYS) as ConfigKey[]) {
        if (orchestrator !== "swarm" && str(key) !== undefined && read(key) !== SWARM_ONLY_KEYS[key]) {
            errors.push(new SettingError(fullKey(key), str(key), "it applies to Swarm services only, and this stack deploys containers", `pulumi config rm ${key}, or pulumi config set orchestrator swarm`));
        }
    }
    const swarm: SwarmStackSettings | undefined =
        orchestrator === "swarm"
            ? {
                  endpointMode: str("swarmEndpointMode"),
                  publishMode: str("swarmPublishMode"),
                  placementLabel: str("valkeyPlacementLabel"),
                  replicas: int("openWebUIReplicas"),
                  maxReplicasPerNode: int("openWebUIMaxReplicasPerNode"),
                  updateOrder: str("openWebUIUpdateOrder"),
                  storageProvider: str("openWebUIStorageProvider"),
                  storageEnvs: attempt(() => parseEnvList("openWebUIStorageEnvs", read("openWebUIStorageEnvs"), "S3_BUCKET_NAME=uploads")),
                  preflight: bool("swarmPreflight") ?? true,
              }
            : undefined;

    const useTutorialNames = bool("useTutorialNames") ?? false;
    const prefix = str("namePrefix");
    if (useTutorialNames && prefix !== undefined) {
        errors.push(new SettingError(fullKey("namePrefix"), prefix, "it is set together with useTutorialNames, which uses the tutorial's names without a prefix", "unset one of them"));
    }
    const namePrefix = useTutorialNames ? undefined : (prefix ?? stack);
    if (namePrefix !== undefined) {
        attempt(() => checkDockerName(fullKey("namePrefix"), namePrefix));
    }
    const names = physicalNames(namePrefix);
    const retain = bool("retainDataOnDelete");

    const valkey: Omit<ValkeyCacheArgs, "password"> = {
        image: str("valkeyImage"),
        containerName: names.valkeyContainer,
        networkName: names.network,
        volumeName: names.valkeyVolume,
        retainDataOnDelete: retain,
        authentication: bool("valkeyAuthentication"),
        maxclients: int("valkeyMaxclients"),
        timeoutSeconds: int("valkeyTimeoutSeconds"),
        tcpKeepaliveSeconds: int("valkeyTcpKeepaliveSeconds"),
        maxmemoryMb: int("valkeyMaxmemoryMb", true),
        maxmemoryPolicy: str("valkeyMaxmemoryPolicy"),
        memoryLimitMb: int("valkeyMemoryLimitMb", true),
        maxProcesses: int("valkeyMaxProcesses", true),
        runAsValkeyUser: bool("valkeyRunAsValkeyUser"),
        hostPort: int("valkeyHostPort", true),
        hostAddress: str("valkeyHostAddress"),
        stopGraceSeconds: int("valkeyStopGraceSeconds"),
        protectData: bool("protectData"),
    };
    const postgresEnabled = bool("postgresEnabled") ?? false;
    const postgres: StackSettings["postgres"] = postgresEnabled
        ? {
              image: str("postgresImage"),
              containerName: names.postgresContainer,
              volumeName: names.postgresVolume,
              retainDataOnDelete: retain,
              protectData: bool("protectData"),
              memoryLimitMb: int("postgresMemoryLimitMb", true),
              hostPort: int("postgresHostPort", true),
          }
        : undefined;
    const openWebUI: StackSettings["openWebUI"] = {
        image: str("openWebUIImage"),
        containerName: names.openWebUIContainer,
        volumeName: names.openWebUIVolume,
        retainDataOnDelete: retain,
        hostPort: int("openWebUIHostPort"),
        hostAddress: str("openWebUIHostAddress"),
        memoryLimitMb: int("openWebUIMemoryLimitMb", true),
        extraEnvs,
        uvicornWorkers: int("uvicornWorkers"),
        redisKeyPrefix: str("redisKeyPrefix"),
        redisHealthCheckIntervalSeconds: int("redisHealthCheckIntervalSeconds"),
        redisSocketKeepalive: bool("redisSocketKeepalive"),
        stopGraceSeconds: int("openWebUIStopGraceSeconds"),
        waitTimeoutSeconds: int("openWebUIWaitTimeoutSeconds"),
        jwtExpiresIn: str("openWebUIJwtExpiresIn"),
        offlineMode: bool("openWebUIOfflineMode"),
        protectData: bool("protectData"),
        // With the stack's own PostgreSQL, its pgvector is the vector store unless told otherwise.
        vectorDb: str("vectorDb") ?? (postgresEnabled ? "pgvector" : undefined),
    };
    const given = {
        valkeyPassword: str("valkeyPassword") !== undefined,
        secretKey: str("secretKey") !== undefined,
        databaseUrl: str("databaseUrl") !== undefined,
        postgresPassword: str("postgresPassword") !== undefined,
    };
    if (postgresEnabled && given.databaseUrl) {
        errors.push(new SettingError(fullKey("databaseUrl"), "[secret]", "it is set together with postgresEnabled, and Open WebUI can use only one database", "unset databaseUrl to use the stack's PostgreSQL, or set postgresEnabled to false to use yours"));
    }
    if (!postgresEnabled && given.postgresPassword) {
        errors.push(new SettingError(fullKey("postgresPassword"), "[secret]", "it is set but postgresEnabled is false, so no PostgreSQL uses it", "set postgresEnabled to true, or remove postgresPassword"));
    }
    if (errors.length === 0) {
        errors.push(...validateAcrossComponents(valkey, openWebUI, postgres, read, swarm));
    }
    if (whole) {
        errors.unshift(...checkConfigKeys(stack, whole));
    }
    if (errors.length === 1) {
        throw errors[0];
    }
    if (errors.length > 1) {
        throw new SettingErrors(errors);
    }
    return { names, valkey, openWebUI, postgres, given, orchestrator, swarm };
}

/** The project default of a key as Pulumi.yaml gives it, for keys a Swarm stack refuses only when changed. */
function defaultOf(key: ConfigKey): string | undefined {
    return key === "valkeyHostAddress" || key === "openWebUIHostAddress" ? "127.0.0.1" : "0";
}

/** Runs the components' own checks on the stack's values, naming config keys in the errors, then the checks that span both. */
function validateAcrossComponents(
    valkey: Omit<ValkeyCacheArgs, "password">,
    openWebUI: StackSettings["openWebUI"],
    postgres: StackSettings["postgres"],
    read: ConfigReader,
    swarm?: SwarmStackSettings,
): SettingError[] {
    const errors: SettingError[] = [];
    const relabelled = (prefix: Component, f: () => void) => () => {
        try {
            f();
        } catch (e) {
            const list = e instanceof SettingErrors ? e.errors : e instanceof SettingError ? [e] : undefined;
            if (!list) {
                throw e;
            }
            for (const err of list) {
                const relabelledError = new SettingError(configKeyFor(prefix, err.setting), err.value, err.problem, err.fix);
                // A key both Swarm components check (swarmEndpointMode) is reported once, not once per component.
                if (!errors.some((known) => known.message === relabelledError.message)) {
                    errors.push(relabelledError);
                }
            }
        }
    };
    const password = read("valkeyPassword");
    const valkeyChecks = relabelled("valkey", () =>
        swarm
            ? resolveSwarmValkeySettings("valkey", { ...swarmValkeyArgs(valkey, swarm), password: password || undefined })
            : resolveValkeySettings("valkey", { ...valkey, password: password || undefined }),
    );
    valkeyChecks();
    if (password) {
        relabelled("valkey", () => checkPassword("password", password))();
    }
    const postgresPassword = read("postgresPassword");
    if (postgres) {
        relabelled("postgres", () => resolvePostgresSettings("postgres", { ...postgres, networkName: "checked-elsewhere" }))();
    }
    // The stack's own PostgreSQL stands in for the URL it will give Open WebUI (a valid postgresql:// form).
    const databaseUrl = postgres ? `postgresql://openwebui:${postgresPassword ? "x" : "generated"}@postgres:5432/openwebui` : read("databaseUrl") || undefined;
    relabelled("openWebUI", () => {
        const settings = swarm
            ? resolveSwarmOpenWebUISettings("open-webui", { ...swarmOpenWebUIArgs(openWebUI, swarm), databaseUrl })
            : resolveOpenWebUISettings("open-webui", { ...openWebUI, databaseUrl });
        checkConnection(settings, {
            redisServerTimeoutSeconds: valkey.timeoutSeconds ?? 1800,
            secretKey: read("secretKey") || undefined,
            databaseUrl,
        });
    })();
    if (!swarm) {
        errors.push(...checkPortsApart(valkey, openWebUI, postgres));
    }
    return errors;
}

/** The SwarmValkeyCache arguments of a stack: the shared ones and the Swarm ones. */
export function swarmValkeyArgs(valkey: Omit<ValkeyCacheArgs, "password">, swarm: SwarmStackSettings) {
    return {
        image: valkey.image,
        serviceName: valkey.containerName,
        networkName: valkey.networkName,
        volumeName: valkey.volumeName,
        authentication: valkey.authentication,
        maxclients: valkey.maxclients,
        timeoutSeconds: valkey.timeoutSeconds,
        tcpKeepaliveSeconds: valkey.tcpKeepaliveSeconds,
        maxmemoryMb: valkey.maxmemoryMb,
        maxmemoryPolicy: valkey.maxmemoryPolicy,
        memoryLimitMb: valkey.memoryLimitMb,
        stopGraceSeconds: valkey.stopGraceSeconds,
        runAsValkeyUser: valkey.runAsValkeyUser,
        placementLabel: swarm.placementLabel,
        endpointMode: swarm.endpointMode,
    };
}

/** The SwarmOpenWebUI arguments of a stack (without the connection): the shared ones and the Swarm ones. */
export function swarmOpenWebUIArgs(openWebUI: StackSettings["openWebUI"], swarm: SwarmStackSettings) {
    return {
        image: openWebUI.image,
        serviceName: openWebUI.containerName,
        volumeName: openWebUI.volumeName,
        publishedPort: openWebUI.hostPort,
        memoryLimitMb: openWebUI.memoryLimitMb,
        extraEnvs: openWebUI.extraEnvs,
        uvicornWorkers: openWebUI.uvicornWorkers,
        redisKeyPrefix: openWebUI.redisKeyPrefix,
        redisHealthCheckIntervalSeconds: openWebUI.redisHealthCheckIntervalSeconds,
        redisSocketKeepalive: openWebUI.redisSocketKeepalive,
        stopGraceSeconds: openWebUI.stopGraceSeconds,
        waitTimeoutSeconds: openWebUI.waitTimeoutSeconds,
        jwtExpiresIn: openWebUI.jwtExpiresIn,
        offlineMode: openWebUI.offlineMode,
        vectorDb: openWebUI.vectorDb,
        replicas: swarm.replicas,
        maxReplicasPerNode: swarm.maxReplicasPerNode,
        endpointMode: swarm.endpointMode,
        publishMode: swarm.publishMode,
        updateOrder: swarm.updateOrder,
        storageProvider: swarm.storageProvider,
        storageEnvs: swarm.storageEnvs,
    };
}

type Component = "valkey" | "openWebUI" | "postgres";

/** Published ports share the host: the same port on overlapping addresses cannot work. */
function checkPortsApart(valkey: Omit<ValkeyCacheArgs, "password">, openWebUI: StackSettings["openWebUI"], postgres: StackSettings["postgres"]): SettingError[] {
    const published: Array<{ key: ConfigKey; what: string; port: number; address: string }> = [
        { key: "openWebUIHostPort", what: "Open WebUI", port: openWebUI.hostPort ?? 3000, address: openWebUI.hostAddress ?? "127.0.0.1" },
    ];
    if (valkey.hostPort !== undefined) published.push({ key: "valkeyHostPort", what: "Valkey", port: valkey.hostPort, address: valkey.hostAddress ?? "127.0.0.1" });
    if (postgres?.hostPort !== undefined) published.push({ key: "postgresHostPort", what: "PostgreSQL", port: postgres.hostPort, address: postgres.hostAddress ?? "127.0.0.1" });
    const errors: SettingError[] = [];
    for (let i = 1; i < published.length; i++) {
        for (let j = 0; j < i; j++) {
            const [a, b] = [published[j], published[i]];
            const overlaps = a.address === b.address || a.address === "0.0.0.0" || b.address === "0.0.0.0";
            if (a.port === b.port && overlaps) {
                errors.push(new SettingError(fullKey(b.key), b.port, `${a.what} already publishes port ${a.port} on ${a.address}`, `choose another port for one of them, e.g. ${b.key === "valkeyHostPort" ? 6379 : 5432} for ${b.what}`));
            }
        }
    }
    return errors;
}

/** Maps a component argument back to the config key that set it, e.g. `timeoutSeconds` → `openwebui-valkey:valkeyTimeoutSeconds`. */
function configKeyFor(component: Component, argument: string): string {
    const candidates = (Object.keys(CONFIG_KEYS) as ConfigKey[]).filter((k) => CONFIG_KEYS[k] === argument.split(".")[0]);
    const key =
        candidates.find((k) => k.startsWith(component)) ??
        candidates.find((k) => !k.startsWith("valkey") && !k.startsWith("openWebUI")) ??
        candidates[0];
    if (key === undefined) {
        // Names (container, network, volume) come from namePrefix.
        return /Name$/.test(argument) ? `${fullKey("namePrefix")} (${argument})` : argument;
    }
    const rest = argument.includes(".") ? argument.slice(argument.indexOf(".")) : "";
    return `${fullKey(key)}${rest}`;
}

export function fullKey(key: ConfigKey): string {
    return `${CONFIG_NAMESPACE}:${key}`;
}

/** `openWebUIExtraEnvs` is a list of `NAME=value` strings (stored as JSON by `pulumi config set --path`). */
export function parseExtraEnvs(raw: string | undefined): Record<string, string> | undefined {
    return parseEnvList("openWebUIExtraEnvs", raw, "CORS_ALLOW_ORIGIN=https://chat.example.com");
}

/** A config list of `NAME=value` strings as a map. */
function parseEnvList(key: ConfigKey, raw: string | undefined, example: string): Record<string, string> | undefined {
    if (raw === undefined || raw === "" || raw === "[]") {
        return undefined;
    }
    let list: unknown;
    try {
        list = JSON.parse(raw);
    } catch {
        list = undefined;
    }
    if (!Array.isArray(list) || !list.every((e) => typeof e === "string" && /^[^=]+=/.test(e))) {
        throw new SettingError(fullKey(key), raw, "it is not a list of NAME=value strings", `pulumi config set --path '${key}[0]' ${example}`);
    }
    const env: Record<string, string> = {};
    for (const entry of list as string[]) {
        const eq = entry.indexOf("=");
        env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
}

