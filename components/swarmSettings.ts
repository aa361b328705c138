// What the Swarm flavours add to the shared settings: replicas, placement, endpoint mode and
// publishing, rollout order, shared storage. What Valkey and Open WebUI themselves get (server
// options, healthchecks, capabilities, environment) is decided once, in valkeySettings.ts and
// openWebUISettings.ts; a container and a service are two renderings of it.
import { createHash, createHmac } from "crypto";
import { SettingError } from "./settingError";
import { checkIntegerInRange } from "./validation";

/** `vip` (one virtual IP, balanced by IPVS) or `dnsrr` (the service name resolves to every task). */
export const ENDPOINT_MODES = ["vip", "dnsrr"] as const;
export type EndpointMode = (typeof ENDPOINT_MODES)[number];
/** `ingress` (the routing mesh: every node answers and forwards) or `host` (only nodes running a task answer, on their own address). */
export const PUBLISH_MODES = ["ingress", "host"] as const;
export type PublishMode = (typeof PUBLISH_MODES)[number];
export const UPDATE_ORDERS = ["stop-first", "start-first"] as const;
export type UpdateOrder = (typeof UPDATE_ORDERS)[number];

/** Where Docker mounts a service's secrets. */
export const SECRETS_DIR = "/run/secrets";
/** Owner of Valkey's password file: the image's valkey user, so it reads the file when started as that user. */
export const VALKEY_SECRET_FILE_MODE = 0o400;

/** Every Swarm default in one place; the swarm stack's config defaults are checked against these. */
export const SWARM_DEFAULTS = {
    /** What users get on an ordinary host. */
    endpointMode: "vip" as EndpointMode,
    publishMode: "ingress" as PublishMode,
    /** The node label that pins Valkey (and so its volume) to one node: `docker node update --label-add <label>=true <node>`. */
    valkeyPlacementLabel: "openwebui-valkey.valkey",
    replicas: 1,
    /** At most one replica per node, so a node loss takes one replica. */
    maxReplicasPerNode: 1,
    /** How long Docker watches each updated task for failure before moving on (and rolls back on failure). */
    updateMonitor: "30s",
    storageProvider: "local",
    /** Poll period of the provider's convergence wait. */
    convergeDelay: "1s",
} as const;

/** Swarm placement labels: Docker's label-key grammar, kept to the characters a constraint can hold. */
const LABEL_KEY = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;

export function checkPlacementLabel(setting: string, value: string): void {
    if (!LABEL_KEY.test(value) || value.length > 128) {
        throw new SettingError(
            setting,
            value,
            "a node label key is lowercase letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
            `choose a key such as ${SWARM_DEFAULTS.valkeyPlacementLabel}, and label the node with docker node update --label-add <key>=true <node>`,
        );
    }
}

/** The constraint that places a task only on nodes carrying `label=true`. */
export function labelConstraint(label: string): string {
    return `node.labels.${label}==true`;
}

export function checkEndpointMode(setting: string, value: string): asserts value is EndpointMode {
    if (!(ENDPOINT_MODES as readonly string[]).includes(value)) {
        throw new SettingError(setting, value, "Swarm knows two endpoint modes", `use vip (the default: one virtual IP) or dnsrr (DNS round robin, for kernels without IPVS)`);
    }
}

export function checkPublishMode(setting: string, value: string): asserts value is PublishMode {
    if (!(PUBLISH_MODES as readonly string[]).includes(value)) {
        throw new SettingError(setting, value, "Swarm publishes a port in one of two modes", "use ingress (the default: the routing mesh) or host (each node running a task, on its own address)");
    }
}

/** Docker refuses a routing-mesh port on a dnsrr service ("port published with ingress mode can't be used with dnsrr mode"). */
export function checkEndpointAndPublishing(endpointMode: EndpointMode, publishMode: PublishMode, published: boolean): void {
    if (published && endpointMode === "dnsrr" && publishMode === "ingress") {
        throw new SettingError(
            "publishMode",
            publishMode,
            "Docker refuses a port published through the routing mesh on a dnsrr service (the mesh balances through the virtual IP that dnsrr does not have)",
            "set publishMode to host, or endpointMode to vip",
        );
    }
}

export function checkUpdateOrder(setting: string, value: string): asserts value is UpdateOrder {
    if (!(UPDATE_ORDERS as readonly string[]).includes(value)) {
        throw new SettingError(setting, value, "Swarm updates a task either after stopping the old one or before", "use stop-first or start-first");
    }
}

export function checkReplicas(setting: string, value: number): void {
    checkIntegerInRange(setting, value, 1, 100, "replicas is a whole number from 1 to 100; 0 would leave the service with nothing running", "use 1, or 2 and more with a shared database");
}

/**
 * The rollout order Open WebUI gets by default. Start-first keeps every replica's capacity during a
 * change, but with host-mode publishing a new task cannot start on a node whose port the old one
 * holds, so there stop-first is the default (a balancer in front moves requests to the others).
 */
export function defaultUpdateOrder(publishMode: PublishMode, published: boolean): UpdateOrder {
    return published && publishMode === "host" ? "stop-first" : "start-first";
}

/** Open WebUI's storage providers (config.py STORAGE_PROVIDER) and the variables each needs. */
export const STORAGE_PROVIDERS = {
    local: [],
    s3: ["S3_BUCKET_NAME"],
    gcs: ["GCS_BUCKET_NAME"],
    azure: ["AZURE_STORAGE_ENDPOINT", "AZURE_STORAGE_CONTAINER_NAME"],
} as const;
export type StorageProvider = keyof typeof STORAGE_PROVIDERS;

/** Variables of the storage providers (config.py): given through `storageEnvs` / `storageSecretEnvs`, not `extraEnvs`. */
export const STORAGE_ENV_PREFIXES = ["S3_", "GCS_", "GOOGLE_APPLICATION_CREDENTIALS_JSON", "AZURE_STORAGE_"] as const;

/** The storage providers' credentials: only through storageSecretEnvs. */
export const STORAGE_SECRET_ENV_NAMES = ["S3_SECRET_ACCESS_KEY", "AZURE_STORAGE_KEY", "GOOGLE_APPLICATION_CREDENTIALS_JSON"] as const;

export function isStorageEnv(name: string): boolean {
    return STORAGE_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/** The storage settings: a provider every replica reaches, with its variables split into public and secret ones. */
export function checkStorage(provider: string, envNames: readonly string[], secretEnvNames: readonly string[]): void {
    if (!Object.prototype.hasOwnProperty.call(STORAGE_PROVIDERS, provider)) {
        throw new SettingError("storageProvider", provider, "Open WebUI stores uploads with one of its storage providers", `use ${Object.keys(STORAGE_PROVIDERS).join(", ")}`);
    }
    for (const name of [...envNames, ...secretEnvNames]) {
        if (!isStorageEnv(name)) {
            throw new SettingError(
                "storageEnvs",
                name,
                "it is not a storage variable of Open WebUI",
                `give storage variables only (${STORAGE_ENV_PREFIXES.join("*, ")}*); other variables go to extraEnvs or extraSecretEnvs`,
            );
        }
    }
    const secretInPlain = envNames.filter((n) => (STORAGE_SECRET_ENV_NAMES as readonly string[]).includes(n)).sort();
    if (secretInPlain.length > 0) {
        throw new SettingError(
            "storageEnvs",
            secretInPlain[0],
            "it is a credential, and storageEnvs go to the service spec, where docker service inspect and every preview show them",
            "give it in storageSecretEnvs (as a secret), which reaches the tasks as a Docker secret",
        );
    }
    const given = new Set([...envNames, ...secretEnvNames]);
    const missing = STORAGE_PROVIDERS[provider as StorageProvider].filter((n) => !given.has(n));
    if (missing.length > 0) {
        throw new SettingError("storageEnvs", [...given].sort(), `storage provider ${provider} needs ${missing.join(" and ")}`, `add ${missing.map((n) => `${n}=<value>`).join(", ")} to storageEnvs`);
    }
}

/** Several replicas share the database and the vector store, or each would see other users and files. */
export function checkReplicasNeedSharedState(replicas: number, hasDatabaseUrl: boolean, vectorDb: string | undefined): void {
    if (replicas <= 1) return;
    if (!hasDatabaseUrl) {
        throw new SettingError(
            "replicas",
            replicas,
            "several replicas need a shared database: without databaseUrl each replica keeps its own SQLite file on its own node, so users, chats and settings differ by the replica that answers (Open WebUI's scaling guide)",
            "give databaseUrl (e.g. a PostgresDatabase's databaseUrl), or use 1 replica",
        );
    }
    if (vectorDb === undefined || vectorDb === "chroma") {
        throw new SettingError(
            "replicas",
            replicas,
            "the default vector store is a Chroma inside each replica's data volume: documents indexed through one replica are missing from the others (Open WebUI's scaling guide)",
            'set vectorDb to "pgvector" (with a PostgresDatabase) or another external store, or use 1 replica',
        );
    }
}

// --- Names of immutable Swarm objects ---------------------------------------------------------

/**
 * Docker secrets and configs cannot change, and one in use cannot be removed: a new value is a new
 * object under a new name, created before the service moves to it and the old one is deleted.
 * The name carries a digest of the content, keyed (HMAC) for secrets, so that it neither changes
 * without reason nor lets anyone test a guessed password against it.
 */
export function versionedName(base: string, content: string, key?: string): string {
    const digest = key === undefined ? createHash("sha256").update(content).digest("hex") : createHmac("sha256", key).update(content).digest("hex");
    return `${base}-${digest.slice(0, 12)}`;
}

/**
 * A duration of whole seconds in the form the provider reads a service's durations back: Go's
 * canonical string shortened as the provider's `shortDur` does (`30s`, `1m`, `1m30s`, `10m`, `1h`).
 */
export function serviceSeconds(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return shortDuration(h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`);
}

/** Go's canonical duration (`10m0s`, `1h0m0s`), shortened as a service reads it back (`10m`, `1h`). */
export function shortDuration(canonical: string): string {
    let s = canonical;
    if (s.endsWith("m0s")) s = s.slice(0, -2);
    if (s.endsWith("h0m")) s = s.slice(0, -2);
    return s;
}

/** A container healthcheck (durations in Go's canonical form) as a service declares it. */
export function serviceHealthcheck(h: { tests: string[]; interval: string; timeout: string; startPeriod: string; retries: number }) {
    return { ...h, interval: shortDuration(h.interval), timeout: shortDuration(h.timeout), startPeriod: shortDuration(h.startPeriod) };
}

/**
 * An image reference as a service reads it back: the daemon stores Docker Hub images in their
 * familiar form (`docker.io/valkey/valkey:8.0.1-alpine` → `valkey/valkey:8.0.1-alpine`).
 */
export function serviceImage(image: string): string {
    return image.replace(/^docker\.io\/library\//, "").replace(/^docker\.io\//, "");
}

/** Restarts after any exit, as a container's `unless-stopped`; every field set, as the provider reads it back. */
export function serviceRestartPolicy(delaySeconds: number) {
    return { condition: "any", delay: serviceSeconds(delaySeconds), maxAttempts: 0, window: "0s" };
}
