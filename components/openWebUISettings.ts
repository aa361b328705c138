import type { OpenWebUIArgs } from "./openWebUI";
import { DEFAULT_HOST_ADDRESS } from "./containerDefaults";
import { parseRedisUrl, redactRedisUrl, redisUrlWithDb } from "./redisUrl";
import { SettingError, collectSettingErrors } from "./settingError";
import type * as pulumi from "@pulumi/pulumi";
import { checkStopGrace, volumeSetting } from "./valkeySettings";
import { checkDockerName, checkHostAddress, checkImageReference, checkIntegerInRange, checkPort, knownNow } from "./validation";

/**
 * The release this component is written against: every variable it sets was checked in this
 * release's own source (open_webui/env.py, utils/redis.py, socket/main.py, utils/auth.py,
 * routers/auths.py), and the engine tests run this release (from PyPI). Pinned: `main` moves, and
 * Open WebUI migrates its database on upgrade.
 */
export const OPEN_WEBUI_RELEASE = "0.12.4";
export const OPEN_WEBUI_IMAGE = `ghcr.io/open-webui/open-webui:v${OPEN_WEBUI_RELEASE}`;
export const OPEN_WEBUI_PORT = 8080;
export const OPEN_WEBUI_DATA_PATH = "/app/backend/data";
/** The database the websocket manager uses on a standalone server, as in the tutorial. */
export const WEBSOCKET_DB = 1;

/** Every default of OpenWebUI in one place; Pulumi.yaml's defaults are checked against these by a test. */
export const OPEN_WEBUI_DEFAULTS = {
    image: OPEN_WEBUI_IMAGE,
    redisKeyPrefix: "open-webui",
    redisHealthCheckIntervalSeconds: 60,
    redisSocketKeepalive: true,
    redisSocketConnectTimeoutSeconds: 5,
    redisCluster: false,
    sentinelPort: 26379,
    /** Open WebUI's own default, set explicitly: a token that expires is one that sign-out can revoke. */
    jwtExpiresIn: "4w",
    offlineMode: false,
    uvicornWorkers: 1,
    hostPort: 3000,
    hostAddress: DEFAULT_HOST_ADDRESS,
    retainDataOnDelete: true,
    protectData: false,
    /** Uvicorn finishes in-flight requests on SIGTERM; this bounds how long it may take. */
    stopGraceSeconds: 30,
    /** The first start migrates the database and may take minutes. */
    waitTimeoutSeconds: 600,
    /** The official image's CMD (WORKDIR /app/backend); start.sh execs uvicorn, so it receives SIGTERM as PID 1. */
    command: ["bash", "start.sh"],
} as const;

/**
 * Where the container finds its secrets: a file given at creation (the provider's `uploads`) and
 * read by the entrypoint before it execs the server, so that `envs` holds only reviewable values.
 */
export const SECRET_ENV_FILE = "/run/open-webui/secrets.env";

/** The variables that carry secrets (passwords in URLs, the signing key): they go to SECRET_ENV_FILE. */
export const SECRET_ENV_NAMES = ["DATABASE_URL", "PGVECTOR_DB_URL", "REDIS_URL", "WEBSOCKET_REDIS_URL", "WEBUI_SECRET_KEY"] as const;

/** Healthy when Open WebUI's own /health answers; durations in Go's canonical form, as the provider reads them back. */
export function openWebUIHealthcheck() {
    return {
        tests: ["CMD-SHELL", `curl --silent --fail --max-time 3 http://127.0.0.1:${OPEN_WEBUI_PORT}/health > /dev/null || exit 1`],
        interval: "5s",
        timeout: "4s",
        // Failures do not count while the first start migrates the database; a success counts at once.
        startPeriod: "10m0s",
        retries: 3,
    };
}

/**
 * Prepares the database in one process before the server starts. Every uvicorn worker imports the
 * app, and the import migrates (open_webui/config.py, unless ENABLE_DB_MIGRATIONS is false), creates
 * the pgvector tables and stores the first configuration: on a fresh PostgreSQL, 4 workers doing
 * this at once collide (`UniqueViolation` on `pg_type` or `config_pkey1`, measured in 2 of 3 and
 * then 3 of 4 starts) and the losers die and restart. One import of the app and one seeding of the
 * default configuration (the first step of its startup, when the release has it) here do it all;
 * the server then starts with migrations off and finds every row in place. With one worker too:
 * a process that ran the migrations has its logging reset by alembic's fileConfig, which silences
 * the server's early debug lines (its Redis connections, "Using Redis to manage websockets.").
 * Skipped when the user turned migrations off.
 */
export const MIGRATE_ONCE = `if [ "\${ENABLE_DB_MIGRATIONS:-true}" = true ]; then python3 -c 'import asyncio, open_webui.main as app; seed = getattr(app, "seed_registered_defaults", None); seed and asyncio.run(seed())' && export ENABLE_DB_MIGRATIONS=false; fi`;

/**
 * Sources the secrets file, exports what it sets, prepares the database (MIGRATE_ONCE), then execs the image's command (which stays PID 1's).
 */
export function openWebUIEntrypoint(): string[] {
    return ["sh", "-c", `set -a && . ${SECRET_ENV_FILE} && set +a && ${MIGRATE_ONCE} && exec "$@"`, "open-webui-entrypoint"];
}

/** `KEY='value'` lines for a POSIX shell to source: single quotes keep every character literal. */
export function shellEnvFile(env: Readonly<Record<string, string>>): string {
    return Object.keys(env)
        .sort()
        .map((key) => `${key}='${env[key].split("'").join(`'"'"'`)}'\n`)
        .join("");
}

/**
 * Variables this component sets (or may set) itself. An extra variable of one of these names would
 * silently override a managed value, so it is refused.
 */
export const MANAGED_ENV_NAMES = [
    "DATABASE_URL",
    "PGVECTOR_DB_URL",
    "VECTOR_DB",
    "ENABLE_WEBSOCKET_SUPPORT",
    "JWT_EXPIRES_IN",
    "OFFLINE_MODE",
    "REDIS_CLUSTER",
    "REDIS_HEALTH_CHECK_INTERVAL",
    "REDIS_KEY_PREFIX",
    "REDIS_SENTINEL_HOSTS",
    "REDIS_SENTINEL_PORT",
    "REDIS_SOCKET_CONNECT_TIMEOUT",
    "REDIS_SOCKET_KEEPALIVE",
    "REDIS_URL",
    "UVICORN_WORKERS",
    "WEBSOCKET_MANAGER",
    "WEBSOCKET_REDIS_CLUSTER",
    "WEBSOCKET_REDIS_OPTIONS",
    "WEBSOCKET_REDIS_URL",
    "WEBSOCKET_SENTINEL_HOSTS",
    "WEBSOCKET_SENTINEL_PORT",
    "WEBUI_SECRET_KEY",
] as const;

export interface OpenWebUISettings {
    readonly image: pulumi.Input<string>;
    readonly containerName: string;
    readonly createVolumeName?: string;
    readonly volumeName: pulumi.Input<string>;
    readonly retainDataOnDelete: boolean;
    readonly protectData: boolean;
    readonly redisKeyPrefix: string;
    readonly redisHealthCheckIntervalSeconds: number;
    readonly redisSocketKeepalive: boolean;
    readonly redisSocketConnectTimeoutSeconds: number;
    readonly redisCluster: boolean;
    readonly redisSentinelHosts: readonly string[];
    readonly redisSentinelPort: number;
    readonly websocketSentinelHosts: readonly string[];
    readonly websocketSentinelPort: number;
    readonly uvicornWorkers: number;
    readonly jwtExpiresIn: string;
    readonly offlineMode: boolean;
    /** `VECTOR_DB`, or undefined for Open WebUI's default (a local Chroma in the data volume). */
    readonly vectorDb?: string;
    readonly extraEnvs: Readonly<Record<string, pulumi.Input<string>>>;
    readonly extraSecretEnvs: Readonly<Record<string, pulumi.Input<string>>>;
    readonly hostPort: number;
    readonly hostAddress: string;
    readonly memoryLimitMb?: number;
    readonly stopGraceSeconds: number;
    readonly waitTimeoutSeconds: number;
    readonly command: readonly string[];
}

export function resolveOpenWebUISettings(name: string, args: Omit<OpenWebUIArgs, "redisUrl" | "networkName">): OpenWebUISettings {
    const d = OPEN_WEBUI_DEFAULTS;
    const redisSentinelHosts = args.redisSentinelHosts ?? [];
    const redisSentinelPort = args.redisSentinelPort ?? d.sentinelPort;
    const s: OpenWebUISettings = {
        image: args.image ?? d.image,
        containerName: args.containerName ?? name,
        createVolumeName: args.existingVolumeName === undefined ? (args.volumeName ?? `${name}-data`) : undefined,
        volumeName: args.existingVolumeName ?? args.volumeName ?? `${name}-data`,
        retainDataOnDelete: args.retainDataOnDelete ?? d.retainDataOnDelete,
        protectData: args.protectData ?? d.protectData,
        redisKeyPrefix: args.redisKeyPrefix ?? d.redisKeyPrefix,
        redisHealthCheckIntervalSeconds: args.redisHealthCheckIntervalSeconds ?? d.redisHealthCheckIntervalSeconds,
        redisSocketKeepalive: args.redisSocketKeepalive ?? d.redisSocketKeepalive,
        redisSocketConnectTimeoutSeconds: args.redisSocketConnectTimeoutSeconds ?? d.redisSocketConnectTimeoutSeconds,
        redisCluster: args.redisCluster ?? d.redisCluster,
        redisSentinelHosts,
        redisSentinelPort,
        // The websocket manager follows the app's Sentinel set unless told otherwise.
        websocketSentinelHosts: args.websocketSentinelHosts ?? redisSentinelHosts,
        websocketSentinelPort: args.websocketSentinelPort ?? redisSentinelPort,
        uvicornWorkers: args.uvicornWorkers ?? d.uvicornWorkers,
        jwtExpiresIn: args.jwtExpiresIn ?? d.jwtExpiresIn,
        offlineMode: args.offlineMode ?? d.offlineMode,
        vectorDb: args.vectorDb,
        extraEnvs: args.extraEnvs ?? {},
        extraSecretEnvs: args.extraSecretEnvs ?? {},
        hostPort: args.hostPort ?? d.hostPort,
        hostAddress: args.hostAddress ?? d.hostAddress,
        memoryLimitMb: args.memoryLimitMb,
        stopGraceSeconds: args.stopGraceSeconds ?? d.stopGraceSeconds,
        waitTimeoutSeconds: args.waitTimeoutSeconds ?? d.waitTimeoutSeconds,
        command: args.command ?? d.command,
    };
    collectSettingErrors([
        () => checkDockerName("containerName", s.containerName),
        () => {
            const image = knownNow(s.image);
            if (image !== undefined) checkImageReference("image", image);
        },
        () => {
            const volume = knownNow(s.volumeName);
            if (volume !== undefined) checkDockerName(volumeSetting(args), volume);
        },
        () => {
            if (args.existingVolumeName !== undefined && args.volumeName !== undefined) {
                throw new SettingError("volumeName", args.volumeName, "it is given together with existingVolumeName", "give only one");
            }
        },
        () => {
            if (!/^[A-Za-z0-9_.:{}-]+$/.test(s.redisKeyPrefix)) {
                throw new SettingError("redisKeyPrefix", s.redisKeyPrefix, "a key prefix is a non-empty word of letters, digits and _ . : { } -", "keep the default open-webui, or e.g. open-webui-team");
            }
        },
        () =>
            checkIntegerInRange(
                "redisHealthCheckIntervalSeconds",
                s.redisHealthCheckIntervalSeconds,
                1,
                86_400,
                "the client's health check runs every so many whole seconds (at least 1), so that a connection the server closed while idle is noticed before it is used",
                "keep the default of 60",
            ),
        () => checkIntegerInRange("redisSocketConnectTimeoutSeconds", s.redisSocketConnectTimeoutSeconds, 1, 600, "the connect timeout is a whole number of seconds from 1 to 600", "keep the default of 5"),
        () => checkIntegerInRange("uvicornWorkers", s.uvicornWorkers, 1, 64, "Open WebUI needs at least one worker process (and at most 64 here)", "use 1 for a small instance, or one per core"),
        () => checkJwtExpiresIn(s.jwtExpiresIn),
        () => checkSeveralWorkers(s, args.databaseUrl !== undefined),
        () => checkVectorDb(s, args.databaseUrl !== undefined, args.pgvectorDbUrl !== undefined),
        () => {
            if (s.redisCluster && (s.redisSentinelHosts.length > 0 || s.websocketSentinelHosts.length > 0)) {
                throw new SettingError("redisCluster", true, "Cluster and Sentinel exclude each other", "give either redisCluster or Sentinel hosts");
            }
        },
        () => checkSentinelHosts("redisSentinelHosts", s.redisSentinelHosts),
        () => checkSentinelHosts("websocketSentinelHosts", s.websocketSentinelHosts),
        () => checkPort("redisSentinelPort", s.redisSentinelPort),
        () => checkPort("websocketSentinelPort", s.websocketSentinelPort),
        () => checkExtraEnvs("extraEnvs", s.extraEnvs),
        () => checkExtraEnvs("extraSecretEnvs", s.extraSecretEnvs),
        () => {
            const both = Object.keys(s.extraEnvs).filter((k) => k in s.extraSecretEnvs).sort();
            if (both.length > 0) {
                throw new SettingError(`extraSecretEnvs.${both[0]}`, "[secret]", "the variable is also in extraEnvs, and one value would silently override the other", "keep it in one of the two: extraSecretEnvs for secrets, extraEnvs for values reviewers may read");
            }
        },
        () => checkStopGrace("stopGraceSeconds", s.stopGraceSeconds),
        () => checkIntegerInRange("waitTimeoutSeconds", s.waitTimeoutSeconds, 10, 7200, "the wait for a healthy Open WebUI is a whole number of seconds from 10 to 7200; its first start migrates the database", "keep the default of 600"),
        () => {
            if (s.command.length === 0 || s.command.some((word) => typeof word !== "string" || word === "")) {
                throw new SettingError("command", s.command, "the command that starts Open WebUI must be a non-empty list of non-empty words", 'keep the official image\'s ["bash", "start.sh"]');
            }
        },
        () => checkPort("hostPort", s.hostPort),
        () => checkHostAddress("hostAddress", s.hostAddress),
        () => {
            if (s.memoryLimitMb !== undefined) {
                checkIntegerInRange("memoryLimitMb", s.memoryLimitMb, 256, 1_048_576, "Open WebUI needs at least 256 MB to start", "e.g. 2048");
            }
        },
    ]);
    return s;
}

/**
 * What Open WebUI's `parse_duration` (utils/misc.py) reads: number-and-unit pairs such as `4w`,
 * `12h` or `1h30m`. `-1` and `0` mean "never expires": such a token carries no `exp`, and
 * `invalidate_token` (utils/auth.py) records a revocation only for a token with a `jti` and an `exp`,
 * so sign-out would revoke nothing.
 */
export function checkJwtExpiresIn(value: string): void {
    const setting = "jwtExpiresIn";
    if (value === "-1" || value === "0") {
        throw new SettingError(
            setting,
            value,
            "it means the tokens never expire, and Open WebUI revokes on sign-out only tokens that expire: a signed-out token would stay valid",
            'use a duration such as "4w" (Open WebUI\'s default), "7d" or "12h"',
        );
    }
    if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(value)) {
        throw new SettingError(setting, value, "it is not a duration Open WebUI reads (number-and-unit pairs; units ms, s, m, h, d, w)", 'use e.g. "4w", "7d", "12h" or "1h30m"');
    }
    const total = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS], 0);
    if (total < 60) {
        throw new SettingError(setting, value, "tokens would expire less than a minute after sign-in, and every user would be signed out at once", 'use e.g. "4w", "7d" or "12h"');
    }
}
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/** Vector stores Open WebUI ships clients for; `chroma` (the default) is the local one in the data volume. */
export const VECTOR_DBS = ["chroma", "elasticsearch", "milvus", "opensearch", "pgvector", "pinecone", "qdrant", "s3vector", "oracle23ai"] as const;

/**
 * Open WebUI's scaling guide: SQLite is one process's database and the default local vector store
 * is not safe across forked workers, so several workers need PostgreSQL and an external vector store.
 */
function checkSeveralWorkers(s: OpenWebUISettings, hasDatabaseUrl: boolean): void {
    if (s.uvicornWorkers <= 1) return;
    if (!hasDatabaseUrl) {
        throw new SettingError(
            "uvicornWorkers",
            s.uvicornWorkers,
            "several workers need a shared database: without databaseUrl each worker opens the SQLite file in the data volume, which one process only may write (Open WebUI's scaling guide)",
            "give databaseUrl (e.g. a PostgresDatabase's databaseUrl), or use 1 worker",
        );
    }
    if (s.vectorDb === undefined || s.vectorDb === "chroma") {
        throw new SettingError(
            "uvicornWorkers",
            s.uvicornWorkers,
            "the default vector store (a local Chroma in the data volume) is not safe across forked workers and crashes them (Open WebUI's scaling guide)",
            'set vectorDb to "pgvector" (with a PostgresDatabase) or another external store, or use 1 worker',
        );
    }
}

function checkVectorDb(s: OpenWebUISettings, hasDatabaseUrl: boolean, hasPgvectorUrl: boolean): void {
    if (s.vectorDb !== undefined && !(VECTOR_DBS as readonly string[]).includes(s.vectorDb)) {
        throw new SettingError("vectorDb", s.vectorDb, "it is not a vector store Open WebUI knows", `use one of ${VECTOR_DBS.join(", ")}`);
    }
    if (s.vectorDb === "pgvector" && !hasDatabaseUrl && !hasPgvectorUrl) {
        throw new SettingError("vectorDb", s.vectorDb, "pgvector keeps its vectors in PostgreSQL, and neither databaseUrl nor pgvectorDbUrl names one", "give databaseUrl (a PostgresDatabase's databaseUrl) or pgvectorDbUrl");
    }
    if (hasPgvectorUrl && s.vectorDb !== "pgvector") {
        throw new SettingError("pgvectorDbUrl", "[secret]", `it is only read with vectorDb "pgvector", and vectorDb is ${s.vectorDb === undefined ? "unset" : `"${s.vectorDb}"`}`, 'set vectorDb to "pgvector", or drop pgvectorDbUrl');
    }
}

function checkSentinelHosts(setting: string, hosts: readonly string[]): void {
    for (const host of hosts) {
        if (!/^[A-Za-z0-9.-]+$/.test(host)) {
            throw new SettingError(setting, hosts, `"${host}" is not a host name (the port goes in the separate port setting)`, "list host names only, e.g. [\"sentinel-1\", \"sentinel-2\"]");
        }
    }
}

export function checkExtraEnvs(setting: string, extraEnvs: Readonly<Record<string, unknown>>): void {
    for (const key of Object.keys(extraEnvs).sort()) {
        if ((MANAGED_ENV_NAMES as readonly string[]).includes(key)) {
            throw new SettingError(`${setting}.${key}`, "[hidden]", "this component sets that variable itself and an extra value would silently override it", "use the component's own setting for it instead");
        }
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
            throw new SettingError(`${setting}.${key}`, key, "an environment variable name is letters, digits and _ and does not start with a digit", "rename the variable");
        }
    }
}

/** A health-check interval at or above the server's idle timeout lets the server drop connections the client still counts on. */
export function checkHealthCheckInterval(intervalSeconds: number, serverTimeoutSeconds: number | undefined): void {
    if (serverTimeoutSeconds !== undefined && serverTimeoutSeconds > 0 && intervalSeconds >= serverTimeoutSeconds) {
        throw new SettingError(
            "redisHealthCheckIntervalSeconds",
            intervalSeconds,
            `it is not below the server's idle timeout of ${serverTimeoutSeconds} s, so the server closes idle connections before the client checks them and requests fail`,
            `set it below ${serverTimeoutSeconds} (60 for the tutorial's 1800), or raise the server's timeout`,
        );
    }
}

/** The values that may arrive as Outputs, resolved. */
export interface ResolvedConnection {
    readonly redisUrl: string;
    readonly websocketRedisUrl?: string;
    readonly redisServerTimeoutSeconds?: number;
    readonly secretKey: string;
    readonly databaseUrl?: string;
    readonly pgvectorDbUrl?: string;
}

/** Checks the connection values; the same messages whether they were given plainly or arrived as Outputs. */
export function checkConnection(s: OpenWebUISettings, c: Partial<ResolvedConnection>): void {
    collectSettingErrors([
        () => {
            if (c.redisUrl !== undefined) {
                checkRedisUrl(s, "redisUrl", c.redisUrl);
            }
        },
        () => {
            if (c.websocketRedisUrl !== undefined) {
                checkRedisUrl(s, "websocketRedisUrl", c.websocketRedisUrl);
            }
        },
        () => checkHealthCheckInterval(s.redisHealthCheckIntervalSeconds, c.redisServerTimeoutSeconds),
        () => {
            if (c.secretKey !== undefined && c.secretKey.length === 0) {
                throw new SettingError("secretKey", "[secret]", "an empty key would sign tokens that anyone can forge", "leave secretKey unset to generate one, or give a long random string");
            }
        },
        () => {
            if (c.databaseUrl !== undefined) checkDatabaseUrl("databaseUrl", c.databaseUrl);
        },
        () => {
            if (c.pgvectorDbUrl !== undefined) checkDatabaseUrl("pgvectorDbUrl", c.pgvectorDbUrl, POSTGRES_SCHEMES);
        },
        () => {
            // pgvector on the main database: it must then be PostgreSQL.
            if (s.vectorDb === "pgvector" && c.pgvectorDbUrl === undefined && c.databaseUrl !== undefined && !POSTGRES_SCHEMES.includes(schemeOf(c.databaseUrl))) {
                throw new SettingError("vectorDb", s.vectorDb, `pgvector keeps its vectors in PostgreSQL, and databaseUrl is a ${schemeOf(c.databaseUrl)}:// database`, "give pgvectorDbUrl for a PostgreSQL with pgvector, or use PostgreSQL for databaseUrl");
            }
        },
    ]);
}

const POSTGRES_SCHEMES = ["postgresql", "postgres", "postgresql+psycopg2"];
/** What Open WebUI's database layer opens: SQLite (optionally encrypted) and PostgreSQL. */
export const DATABASE_SCHEMES = ["sqlite", "sqlite+sqlcipher", ...POSTGRES_SCHEMES];

function schemeOf(url: string): string {
    return /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1].toLowerCase() ?? "";
}

/** Only the scheme is shown: the rest of a database URL holds the password. */
function checkDatabaseUrl(setting: string, url: string, allowed: readonly string[] = DATABASE_SCHEMES): void {
    const scheme = schemeOf(url);
    if (scheme === "") {
        throw new SettingError(setting, "[secret]", "it is not a database URL", "use postgresql://user:password@host:5432/openwebui");
    }
    if (!allowed.includes(scheme)) {
        throw new SettingError(
            setting,
            `${scheme}://[secret]`,
            `Open WebUI cannot use a ${scheme}:// database here: it supports ${allowed.map((a) => `${a}://`).join(", ")}`,
            "use postgresql://user:password@host:5432/openwebui (a PostgresDatabase's databaseUrl)",
        );
    }
}

function checkRedisUrl(s: OpenWebUISettings, setting: string, url: string): void {
    const endpoint = parseRedisUrl(setting, url);
    if (s.redisCluster && endpoint.db !== 0) {
        throw new SettingError(setting, redactRedisUrl(url), `a Redis Cluster (and many managed services) has database 0 only, not ${endpoint.db}`, "end the URL with /0");
    }
}

/**
 * The variables a reviewer may read, from the settings alone (no secret reaches them, so `envs`
 * stays legible in previews); `extraEnvs` values are given resolved.
 */
export function openWebUIPublicEnv(s: OpenWebUISettings, extraEnvs: Readonly<Record<string, string>> = {}): Record<string, string> {
    const env: Record<string, string> = {
        ...extraEnvs,
        ENABLE_WEBSOCKET_SUPPORT: "true",
        WEBSOCKET_MANAGER: "redis",
        REDIS_KEY_PREFIX: s.redisKeyPrefix,
        REDIS_HEALTH_CHECK_INTERVAL: String(s.redisHealthCheckIntervalSeconds),
        REDIS_SOCKET_KEEPALIVE: s.redisSocketKeepalive ? "true" : "false",
        REDIS_SOCKET_CONNECT_TIMEOUT: String(s.redisSocketConnectTimeoutSeconds),
        // Open WebUI hands the websocket client only what is in this JSON: without it, the
        // health check and keepalive would not reach the websocket manager's connections.
        WEBSOCKET_REDIS_OPTIONS: JSON.stringify({
            health_check_interval: s.redisHealthCheckIntervalSeconds,
            socket_connect_timeout: s.redisSocketConnectTimeoutSeconds,
            socket_keepalive: s.redisSocketKeepalive,
        }),
        UVICORN_WORKERS: String(s.uvicornWorkers),
        JWT_EXPIRES_IN: s.jwtExpiresIn,
    };
    if (s.offlineMode) {
        // No model hub, no update check (Open WebUI sets HF_HUB_OFFLINE itself): models must be on disk.
        env.OFFLINE_MODE = "true";
    }
    if (s.vectorDb !== undefined) {
        env.VECTOR_DB = s.vectorDb;
    }
    if (s.redisCluster) {
        env.REDIS_CLUSTER = "true";
        env.WEBSOCKET_REDIS_CLUSTER = "true";
    }
    if (s.redisSentinelHosts.length > 0) {
        env.REDIS_SENTINEL_HOSTS = s.redisSentinelHosts.join(",");
        env.REDIS_SENTINEL_PORT = String(s.redisSentinelPort);
    }
    if (s.websocketSentinelHosts.length > 0) {
        env.WEBSOCKET_SENTINEL_HOSTS = s.websocketSentinelHosts.join(",");
        env.WEBSOCKET_SENTINEL_PORT = String(s.websocketSentinelPort);
    }
    return env;
}

/** The variables that carry secrets (SECRET_ENV_NAMES and `extraSecretEnvs`), checked, for SECRET_ENV_FILE. */
export function openWebUISecretEnv(s: OpenWebUISettings, c: ResolvedConnection, extraSecretEnvs: Readonly<Record<string, string>> = {}): Record<string, string> {
    checkConnection(s, c);
    const websocketRedisUrl =
        c.websocketRedisUrl ??
        // Cluster has db 0 only: the websocket manager shares the URL. A standalone server (or a
        // Sentinel-managed master) gets db 1, the tutorial's layout.
        (s.redisCluster ? c.redisUrl : redisUrlWithDb(c.redisUrl, WEBSOCKET_DB, "redisUrl"));
    const env: Record<string, string> = {
        ...extraSecretEnvs,
        REDIS_URL: c.redisUrl,
        WEBSOCKET_REDIS_URL: websocketRedisUrl,
        WEBUI_SECRET_KEY: c.secretKey,
    };
    if (c.databaseUrl !== undefined) {
        env.DATABASE_URL = c.databaseUrl;
    }
    if (c.pgvectorDbUrl !== undefined) {
        env.PGVECTOR_DB_URL = c.pgvectorDbUrl;
    }
    return env;
}

/** Open WebUI's whole environment as the server sees it: the public variables and the secret file's. */
export function openWebUIEnv(s: OpenWebUISettings, c: ResolvedConnection): Record<string, string> {
    return { ...openWebUIPublicEnv(s), ...openWebUISecretEnv(s, c) };
}

/** `KEY=VALUE` strings sorted by key: a stable order keeps previews free of reordering noise. */
export function envList(env: Readonly<Record<string, string>>): string[] {
    return Object.keys(env)
        .sort()
        .map((key) => `${key}=${env[key]}`);
}
