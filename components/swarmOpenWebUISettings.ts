// The Swarm rendering of Open WebUI's shared settings (openWebUISettings.ts): the same environment
// and healthcheck, plus replicas, placement, publishing, rollout and storage. Pure: no resource is
// created here.
import type * as pulumi from "@pulumi/pulumi";
import type { SwarmOpenWebUIArgs } from "./swarmOpenWebUI";
import { OpenWebUISettings, openWebUIPublicEnv, resolveOpenWebUISettings } from "./openWebUISettings";
import { SettingError, collectSettingErrors } from "./settingError";
import {
    EndpointMode,
    PublishMode,
    SECRETS_DIR,
    SWARM_DEFAULTS,
    StorageProvider,
    UpdateOrder,
    checkEndpointAndPublishing,
    checkEndpointMode,
    checkPublishMode,
    checkReplicas,
    checkReplicasNeedSharedState,
    checkStorage,
    checkUpdateOrder,
    defaultUpdateOrder,
    isStorageEnv,
} from "./swarmSettings";
import { checkIntegerInRange } from "./validation";

/** The resolved settings of a SwarmOpenWebUI: the shared Open WebUI settings and the Swarm ones. */
export interface SwarmOpenWebUISettings extends OpenWebUISettings {
    readonly replicas: number;
    readonly maxReplicasPerNode: number;
    readonly placementConstraints: readonly string[];
    readonly endpointMode: EndpointMode;
    readonly publishMode: PublishMode;
    readonly updateOrder: UpdateOrder;
    readonly storageProvider: StorageProvider;
    readonly storageEnvs: Readonly<Record<string, pulumi.Input<string>>>;
    readonly storageSecretEnvs: Readonly<Record<string, pulumi.Input<string>>>;
    readonly dataVolumeDriver?: string;
    readonly dataVolumeDriverOptions: Readonly<Record<string, string>>;
}

export function resolveSwarmOpenWebUISettings(name: string, args: Omit<SwarmOpenWebUIArgs, "redisUrl" | "networkId">): SwarmOpenWebUISettings {
    let shared: OpenWebUISettings | undefined;
    const endpointMode = args.endpointMode ?? SWARM_DEFAULTS.endpointMode;
    const publishMode = args.publishMode ?? SWARM_DEFAULTS.publishMode;
    const replicas = args.replicas ?? SWARM_DEFAULTS.replicas;
    const storageProvider = args.storageProvider ?? SWARM_DEFAULTS.storageProvider;
    const storageEnvs = args.storageEnvs ?? {};
    const storageSecretEnvs = args.storageSecretEnvs ?? {};
    const updateOrder = args.updateOrder ?? defaultUpdateOrder(publishMode as PublishMode, true);
    const maxReplicasPerNode = args.maxReplicasPerNode ?? SWARM_DEFAULTS.maxReplicasPerNode;
    collectSettingErrors([
        () => {
            shared = resolveOpenWebUISettings(name, {
                image: args.image,
                containerName: args.serviceName,
                volumeName: args.volumeName,
                redisKeyPrefix: args.redisKeyPrefix,
                redisHealthCheckIntervalSeconds: args.redisHealthCheckIntervalSeconds,
                redisSocketKeepalive: args.redisSocketKeepalive,
                uvicornWorkers: args.uvicornWorkers,
                jwtExpiresIn: args.jwtExpiresIn,
                offlineMode: args.offlineMode,
                databaseUrl: args.databaseUrl,
                vectorDb: args.vectorDb,
                extraEnvs: args.extraEnvs,
                extraSecretEnvs: args.extraSecretEnvs,
                hostPort: args.publishedPort,
                memoryLimitMb: args.memoryLimitMb,
                waitTimeoutSeconds: args.waitTimeoutSeconds,
                stopGraceSeconds: args.stopGraceSeconds,
            });
        },
        () => checkReplicas("replicas", replicas),
        () => checkReplicasNeedSharedState(replicas, args.databaseUrl !== undefined, args.vectorDb),
        () => checkIntegerInRange("maxReplicasPerNode", maxReplicasPerNode, 0, 100, "the most replicas on one node is a whole number, 0 for no limit", "keep the default of 1, so a node loss takes one replica"),
        () => checkEndpointMode("endpointMode", endpointMode),
        () => checkPublishMode("publishMode", publishMode),
        () => checkEndpointAndPublishing(endpointMode as EndpointMode, publishMode as PublishMode, true),
        () => checkUpdateOrder("updateOrder", updateOrder),
        () => checkStorage(storageProvider, Object.keys(storageEnvs), Object.keys(storageSecretEnvs)),
        () => {
            const misplaced = [...Object.keys(args.extraEnvs ?? {}), ...Object.keys(args.extraSecretEnvs ?? {})].filter(isStorageEnv).sort();
            if (misplaced.length > 0) {
                throw new SettingError("extraEnvs", misplaced[0], "storage variables are managed with storageProvider", "give them in storageEnvs (or storageSecretEnvs for keys)");
            }
        },
        () => {
            if (args.dataVolumeDriverOptions !== undefined && args.dataVolumeDriver === undefined) {
                throw new SettingError("dataVolumeDriverOptions", args.dataVolumeDriverOptions, "driver options are given without a driver", 'set dataVolumeDriver (e.g. "local" for NFS options)');
            }
        },
    ]);
    return {
        ...(shared as OpenWebUISettings),
        replicas,
        maxReplicasPerNode,
        placementConstraints: args.placementConstraints ?? [],
        endpointMode: endpointMode as EndpointMode,
        publishMode: publishMode as PublishMode,
        updateOrder: updateOrder as UpdateOrder,
        storageProvider: storageProvider as StorageProvider,
        storageEnvs,
        storageSecretEnvs,
        dataVolumeDriver: args.dataVolumeDriver,
        dataVolumeDriverOptions: args.dataVolumeDriverOptions ?? {},
    };
}

/** The Docker secret's file: every secret variable, for the entrypoint to source. */
export const SWARM_SECRET_ENV_FILE_NAME = "open-webui.env";
/** The entrypoint script, a Docker config. */
export const SWARM_ENTRYPOINT_FILE = "/run/open-webui/entrypoint.sh";
/** Any fixed key: replicas preparing one database wait for each other on it. */
export const MIGRATION_LOCK_KEY = 4_262_119;

/**
 * The task's entrypoint. Open WebUI reads no `*_FILE` variants for its URLs and key, so it exports
 * the secret file's variables, prepares the database in one process (as the container flavour
 * does; see MIGRATE_ONCE), then execs the image's command. On PostgreSQL the preparation holds an
 * advisory lock: replicas starting together migrate one after the other, the first doing the work
 * and the rest finding it done (two at once collide on the same rows, measured with workers).
 */
export function swarmEntrypointScript(): string {
    return [
        "#!/bin/sh",
        "set -e",
        `set -a; . ${SECRETS_DIR}/${SWARM_SECRET_ENV_FILE_NAME}; set +a`,
        'if [ "${ENABLE_DB_MIGRATIONS:-true}" = true ]; then',
        "  python3 - <<'PY'",
        "import asyncio, os",
        'url = os.environ.get("DATABASE_URL", "")',
        'if url.startswith("postgres://"):',
        '    url = "postgresql://" + url[len("postgres://"):]',
        'if url.startswith("postgresql"):',
        "    import sqlalchemy",
        "    lock = sqlalchemy.create_engine(url).connect()",
        `    lock.execute(sqlalchemy.text("SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})"))`,
        "import open_webui.main as app",
        'seed = getattr(app, "seed_registered_defaults", None)',
        "if seed:",
        "    asyncio.run(seed())",
        "PY",
        "  export ENABLE_DB_MIGRATIONS=false",
        "fi",
        'exec "$@"',
        "",
    ].join("\n");
}

/** The variables a reviewer may read: the shared ones, plus the storage provider's plain ones. */
export function swarmPublicEnv(s: SwarmOpenWebUISettings, extraEnvs: Readonly<Record<string, string>>, storageEnvs: Readonly<Record<string, string>>): Record<string, string> {
    const env = { ...openWebUIPublicEnv(s, extraEnvs), ...storageEnvs };
    if (s.storageProvider !== "local") {
        env.STORAGE_PROVIDER = s.storageProvider;
    }
    return env;
}
