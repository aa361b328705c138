import type * as pulumi from "@pulumi/pulumi";
import type { PostgresDatabaseArgs } from "./postgresDatabase";
import { SettingError, collectSettingErrors } from "./settingError";
import { checkStopGrace, volumeSetting } from "./valkeySettings";
import { checkDockerName, checkHostAddress, checkImageReference, checkIntegerInRange, checkPort, knownNow } from "./validation";

/** PostgreSQL 17 with pgvector 0.8.0 (FROM the official postgres image): the vector store Open WebUI's pgvector backend needs. */
export const POSTGRES_IMAGE = "docker.io/pgvector/pgvector:0.8.0-pg17";
export const POSTGRES_PORT = 5432;
/** The image's volume; the cluster lives in a subdirectory, as the image's documentation advises for mounts. */
export const POSTGRES_DATA_PATH = "/var/lib/postgresql/data";
export const POSTGRES_PGDATA = `${POSTGRES_DATA_PATH}/pgdata`;
/** The `postgres` user of the official image (Debian-based). */
export const POSTGRES_UID = "999";
/** Read by the entrypoint on first start (POSTGRES_PASSWORD_FILE), given at creation, never in `envs`. */
export const POSTGRES_PASSWORD_FILE = "/run/postgres/password";
/** Run once, on the first start of an empty volume. */
export const POSTGRES_INIT_SCRIPT = "/docker-entrypoint-initdb.d/10-vector.sql";
/** Below this PostgreSQL's defaults (shared_buffers 128 MB, work_mem, autovacuum) do not fit. */
export const MIN_POSTGRES_MEMORY_MB = 256;

export const POSTGRES_DEFAULTS = {
    image: POSTGRES_IMAGE,
    networkAlias: "postgres",
    databaseName: "openwebui",
    userName: "openwebui",
    memoryLimitMb: 1024,
    /** /dev/shm for parallel query workers; Docker's 64 MB default is tight. */
    shmSizeMb: 256,
    hostAddress: "127.0.0.1",
    retainDataOnDelete: true,
    protectData: false,
    waitTimeoutSeconds: 120,
    /** A fast shutdown ends with a checkpoint; large shared_buffers take seconds to flush. */
    stopGraceSeconds: 60,
} as const;

/** PostgresDatabaseArgs with every default applied and every plain value checked. */
export interface PostgresSettings {
    readonly image: pulumi.Input<string>;
    readonly containerName: string;
    readonly networkName: pulumi.Input<string>;
    readonly createVolumeName?: string;
    readonly volumeName: pulumi.Input<string>;
    readonly networkAlias: string;
    readonly databaseName: string;
    readonly userName: string;
    readonly memoryLimitMb: number;
    readonly shmSizeMb: number;
    readonly hostPort?: number;
    readonly hostAddress: string;
    readonly retainDataOnDelete: boolean;
    readonly protectData: boolean;
    readonly waitTimeoutSeconds: number;
    readonly stopGraceSeconds: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function resolvePostgresSettings(name: string, args: PostgresDatabaseArgs): PostgresSettings {
    const d = POSTGRES_DEFAULTS;
    const s: PostgresSettings = {
        image: args.image ?? d.image,
        containerName: args.containerName ?? name,
        networkName: args.networkName,
        createVolumeName: args.existingVolumeName === undefined ? (args.volumeName ?? `${name}-data`) : undefined,
        volumeName: args.existingVolumeName ?? args.volumeName ?? `${name}-data`,
        networkAlias: args.networkAlias ?? d.networkAlias,
        databaseName: args.databaseName ?? d.databaseName,
        userName: args.userName ?? d.userName,
        memoryLimitMb: args.memoryLimitMb ?? d.memoryLimitMb,
        shmSizeMb: args.shmSizeMb ?? d.shmSizeMb,
        hostPort: args.hostPort,
        hostAddress: args.hostAddress ?? d.hostAddress,
        retainDataOnDelete: args.retainDataOnDelete ?? d.retainDataOnDelete,
        protectData: args.protectData ?? d.protectData,
        waitTimeoutSeconds: args.waitTimeoutSeconds ?? d.waitTimeoutSeconds,
        stopGraceSeconds: args.stopGraceSeconds ?? d.stopGraceSeconds,
    };
    const known = (value: pulumi.Input<string>, check: (v: string) => void) => () => {
        const v = knownNow(value);
        if (v !== undefined) check(v);
    };
    collectSettingErrors([
        known(s.image, (v) => checkImageReference("image", v)),
        () => checkDockerName("containerName", s.containerName),
        known(s.networkName, (v) => checkDockerName("networkName", v)),
        known(s.volumeName, (v) => checkDockerName(volumeSetting(args), v)),
        () => checkDockerName("networkAlias", s.networkAlias),
        () => {
            if (args.existingVolumeName !== undefined && args.volumeName !== undefined) {
                throw new SettingError("volumeName", args.volumeName, "it is given together with existingVolumeName", "give only one: volumeName creates a volume, existingVolumeName uses one");
            }
        },
        () => checkIdentifier("databaseName", s.databaseName),
        () => checkIdentifier("userName", s.userName),
        () => {
            if (s.userName === "postgres") {
                throw new SettingError("userName", s.userName, "Open WebUI would then connect as the cluster's built-in superuser name, which other tools assume is yours to administer with", "keep the default openwebui");
            }
        },
        () =>
            checkIntegerInRange(
                "memoryLimitMb",
                s.memoryLimitMb,
                MIN_POSTGRES_MEMORY_MB,
                1_048_576,
                `PostgreSQL needs at least ${MIN_POSTGRES_MEMORY_MB} MB: its shared_buffers alone take 128 MB, and each connection and autovacuum worker more; below that the kernel kills it under load`,
                "keep the default of 1024, or at least 512 for several Open WebUI workers",
            ),
        () =>
            checkIntegerInRange("shmSizeMb", s.shmSizeMb, 64, s.memoryLimitMb, "/dev/shm holds parallel query workers' shared memory: from 64 MB up to the memory limit", "keep the default of 256"),
        () => {
            if (s.hostPort !== undefined) checkPort("hostPort", s.hostPort);
        },
        () => checkHostAddress("hostAddress", s.hostAddress),
        () => checkIntegerInRange("waitTimeoutSeconds", s.waitTimeoutSeconds, 10, 3600, "the wait for a healthy PostgreSQL is a whole number of seconds from 10 to 3600; the first start runs initdb", "keep the default of 120"),
        () => checkStopGrace("stopGraceSeconds", s.stopGraceSeconds),
    ]);
    return s;
}

function checkIdentifier(setting: string, value: string): void {
    if (!IDENTIFIER.test(value)) {
        throw new SettingError(setting, value, "a PostgreSQL name here is lowercase letters, digits and _ (at most 63, not starting with a digit), so it needs no quoting in URLs or SQL", "keep the default openwebui");
    }
}

/** The password must be non-empty; checked when it resolves, since it may arrive as an Output. */
export function checkDatabasePassword(setting: string, value: string): void {
    if (value.length === 0 || value.includes("\0") || value.includes("\n")) {
        throw new SettingError(setting, "[secret]", "the password is empty or contains a NUL or newline character", "supply a non-empty one-line password, or let the component generate one");
    }
}

// --- What the container is given ---------------------------------------------------------------

/** The environment: no secret, so every value stays readable in previews. */
export function postgresEnv(s: PostgresSettings): string[] {
    return [`PGDATA=${POSTGRES_PGDATA}`, `POSTGRES_DB=${s.databaseName}`, `POSTGRES_PASSWORD_FILE=${POSTGRES_PASSWORD_FILE}`, `POSTGRES_USER=${s.userName}`];
}

/**
 * Healthy only when a query authenticated with the password succeeds over TCP through the network
 * alias, the way Open WebUI connects: the image trusts the socket and loopback, so only this proves
 * that the database accepts the credentials Open WebUI will use, not merely that the port is open.
 */
export function postgresHealthcheck(s: PostgresSettings) {
    const query = `PGPASSWORD="$(cat ${POSTGRES_PASSWORD_FILE})" psql -w -h ${s.networkAlias} -U ${s.userName} -d ${s.databaseName} -tAc 'SELECT 1'`;
    return {
        tests: ["CMD-SHELL", `[ "$(${query})" = '1' ]`],
        interval: "2s",
        timeout: "5s",
        // initdb and the init script run on the first start.
        startPeriod: "1m0s",
        retries: 5,
    };
}

/** Run by the entrypoint once, on an empty volume: Open WebUI's pgvector backend needs the extension. */
export const POSTGRES_INIT_SQL = "CREATE EXTENSION IF NOT EXISTS vector;\n";

/** `postgresql://user:password@alias:5432/db`, the password percent-encoded. */
export function buildDatabaseUrl(s: Pick<PostgresSettings, "userName" | "networkAlias" | "databaseName">, password: string): string {
    return `postgresql://${s.userName}:${encodeURIComponent(password)}@${s.networkAlias}:${POSTGRES_PORT}/${s.databaseName}`;
}
