import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { claimContainerName } from "./containerNames";
import { dataVolume, localFirstImage, managedContainerArgs, managedContainerOptions } from "./managedChildren";
import {
    OPEN_WEBUI_DATA_PATH,
    OPEN_WEBUI_PORT,
    SECRET_ENV_FILE,
    checkConnection,
    envList,
    openWebUIEntrypoint,
    openWebUIHealthcheck,
    openWebUIPublicEnv,
    openWebUISecretEnv,
    resolveOpenWebUISettings,
    shellEnvFile,
} from "./openWebUISettings";

/** The arguments of an {@link OpenWebUI}. */
export interface OpenWebUIArgs {
    /** App-state Redis URL (`REDIS_URL`): a ValkeyCache's `url`, or any `redis://` / `rediss://` endpoint. Required. Pass the cache in `dependsOn` so Open WebUI starts after a healthy server. */
    readonly redisUrl: pulumi.Input<string>;
    /** Docker network to join, e.g. a ValkeyCache's `networkName`. Required. */
    readonly networkName: pulumi.Input<string>;
    /** Websocket manager URL (`WEBSOCKET_REDIS_URL`). Default: `redisUrl` with db 1; with Cluster, `redisUrl` itself. */
    readonly websocketRedisUrl?: pulumi.Input<string>;
    /** The server's idle timeout in seconds (e.g. a ValkeyCache's `timeoutSeconds`); when given, the health-check interval must be below it. Default: unset (unknown). */
    readonly redisServerTimeoutSeconds?: pulumi.Input<number>;
    /** Namespace of every key (`REDIS_KEY_PREFIX`). Default `open-webui`; instances of one deployment share it. */
    readonly redisKeyPrefix?: string;
    /** Seconds between client health checks of pooled connections (`REDIS_HEALTH_CHECK_INTERVAL`, also given to the websocket client). Default `60`. */
    readonly redisHealthCheckIntervalSeconds?: number;
    /** TCP keepalive on the client's connections (`REDIS_SOCKET_KEEPALIVE`, also given to the websocket client). Default `true`. */
    readonly redisSocketKeepalive?: boolean;
    /** Seconds to wait for a connection (`REDIS_SOCKET_CONNECT_TIMEOUT`, also given to the websocket client). Default `5`. */
    readonly redisSocketConnectTimeoutSeconds?: number;
    /** The endpoint is a Redis Cluster (`REDIS_CLUSTER`, `WEBSOCKET_REDIS_CLUSTER`): db 0 only. Default `false`. */
    readonly redisCluster?: boolean;
    /** Sentinel host names (`REDIS_SENTINEL_HOSTS`); the host in `redisUrl` is then the master's service name. Default: none. */
    readonly redisSentinelHosts?: string[];
    /** Sentinel port (`REDIS_SENTINEL_PORT`). Default `26379`. */
    readonly redisSentinelPort?: number;
    /** Sentinel hosts of the websocket manager (`WEBSOCKET_SENTINEL_HOSTS`). Default: `redisSentinelHosts`. */
    readonly websocketSentinelHosts?: string[];
    /** Sentinel port of the websocket manager (`WEBSOCKET_SENTINEL_PORT`). Default: `redisSentinelPort`. */
    readonly websocketSentinelPort?: number;
    /** Key that signs sessions (`WEBUI_SECRET_KEY`); every instance of one deployment needs the same. Default: 64 random characters from `@pulumi/random`. */
    readonly secretKey?: pulumi.Input<string>;
    /** Uvicorn worker processes (`UVICORN_WORKERS`), 1 to 64; more than one needs `databaseUrl` and an external `vectorDb`. Default `1`. */
    readonly uvicornWorkers?: number;
    /** How long a sign-in token lives (`JWT_EXPIRES_IN`), e.g. `4w`, `7d`, `12h`. `-1` and `0` ("never") are refused: sign-out revokes only tokens that expire. Open WebUI stores it on first start; later changes in its admin panel win over this. Default `4w`. */
    readonly jwtExpiresIn?: string;
    /** Run with no internet (`OFFLINE_MODE`): no model hub downloads, no update check; embedding models must already be in the image or the data volume. Default `false`. */
    readonly offlineMode?: boolean;
    /** Database URL (`DATABASE_URL`, secret), e.g. PostgreSQL shared by several instances. Default: unset (SQLite in the data volume, one instance only). */
    readonly databaseUrl?: pulumi.Input<string>;
    /** Vector store (`VECTOR_DB`): `pgvector` with a PostgresDatabase, or another external one; several workers need one. Default: unset (Open WebUI's local Chroma in the data volume, one worker only). */
    readonly vectorDb?: string;
    /** PostgreSQL URL for pgvector (`PGVECTOR_DB_URL`, secret) when it is not `databaseUrl`. Default: unset (pgvector uses `databaseUrl`). */
    readonly pgvectorDbUrl?: pulumi.Input<string>;
    /** Further environment variables, shown in previews; a name this component manages is refused. Default: none. */
    readonly extraEnvs?: { [name: string]: pulumi.Input<string> };
    /** Further environment variables that hold secrets (API keys, storage credentials): they go to the secrets file, never to `envs`. Default: none. */
    readonly extraSecretEnvs?: { [name: string]: pulumi.Input<string> };
    /** Image to run (checked against Docker's reference grammar). Default `ghcr.io/open-webui/open-webui:v0.12.4` (pinned: the release the component is checked against). */
    readonly image?: pulumi.Input<string>;
    /** The image's start command, run after the entrypoint has read the secrets file. Default `["bash", "start.sh"]`, the official image's CMD. */
    readonly command?: string[];
    /** Physical name of the container. Default: the component's name. */
    readonly containerName?: string;
    /** Name of the data volume to create, mounted at /app/backend/data. Default `<name>-data`. */
    readonly volumeName?: string;
    /** Use this existing volume instead of creating one. Default: unset. */
    readonly existingVolumeName?: pulumi.Input<string>;
    /** Keep the data volume on `pulumi destroy` and on replacement. Default `true`. */
    readonly retainDataOnDelete?: boolean;
    /** Protect the data volume (Pulumi's `protect`); the container stays replaceable. Default `false`. */
    readonly protectData?: boolean;
    /** Host port that publishes the web interface (container port 8080). Default `3000`. */
    readonly hostPort?: number;
    /** Address the host port binds to. Default `127.0.0.1` (this host only); a reverse proxy or `0.0.0.0` opens it further. */
    readonly hostAddress?: string;
    /** Container memory limit in MB (no swap beyond it). Default: unset (no limit). */
    readonly memoryLimitMb?: number;
    /** Seconds `pulumi up` waits for `/health` to answer; the first start migrates the database. Default `600`. */
    readonly waitTimeoutSeconds?: number;
    /** Seconds between SIGTERM and SIGKILL on stop, replacement and destroy, for in-flight requests (`destroyGraceSeconds`, `stopTimeout`). Default `30`. */
    readonly stopGraceSeconds?: number;
}

/** Open WebUI on Docker, wired to a Redis-protocol server for app state, token revocation and websockets. */
export class OpenWebUI extends pulumi.ComponentResource {
    /** The address of the web interface on the host, e.g. `http://127.0.0.1:3000`. */
    public readonly url: pulumi.Output<string>;
    /** The key that signs sessions (secret); give it to every other instance of the same deployment. */
    public readonly secretKey: pulumi.Output<string>;
    /** Name of the container. */
    public readonly containerName: pulumi.Output<string>;
    /** Name of the data volume. */
    public readonly volumeName: pulumi.Output<string>;
    /** The websocket manager's URL (secret). */
    public readonly websocketRedisUrl: pulumi.Output<string>;

    constructor(name: string, args: OpenWebUIArgs, opts?: pulumi.ComponentResourceOptions) {
        super("openwebui-valkey:index:OpenWebUI", name, {}, opts);
        const settings = resolveOpenWebUISettings(name, args);
        // Whatever is known now is checked now, before any resource exists; Outputs are checked
        // again (with the same messages) when they resolve.
        checkConnection(settings, {
            redisUrl: typeof args.redisUrl === "string" ? args.redisUrl : undefined,
            websocketRedisUrl: typeof args.websocketRedisUrl === "string" ? args.websocketRedisUrl : undefined,
            redisServerTimeoutSeconds: typeof args.redisServerTimeoutSeconds === "number" ? args.redisServerTimeoutSeconds : undefined,
            secretKey: typeof args.secretKey === "string" ? args.secretKey : undefined,
            databaseUrl: typeof args.databaseUrl === "string" ? args.databaseUrl : undefined,
            pgvectorDbUrl: typeof args.pgvectorDbUrl === "string" ? args.pgvectorDbUrl : undefined,
        });

        claimContainerName(settings.containerName, `OpenWebUI "${name}"`, opts);
        const secretKey = pulumi.secret(
            args.secretKey ??
                new random.RandomPassword(`${name}-secret-key`, { length: 64, special: false }, { parent: this }).result,
        );
        const secretEnv = pulumi
            .all([args.redisUrl, args.websocketRedisUrl, args.redisServerTimeoutSeconds, secretKey, args.databaseUrl, args.pgvectorDbUrl, pulumi.all(settings.extraSecretEnvs)])
            .apply(([redisUrl, websocketRedisUrl, redisServerTimeoutSeconds, key, databaseUrl, pgvectorDbUrl, extraSecretEnvs]) =>
                openWebUISecretEnv(settings, { redisUrl, websocketRedisUrl, redisServerTimeoutSeconds, secretKey: key, databaseUrl, pgvectorDbUrl }, extraSecretEnvs),
            );
        // Built from the settings and the plain extra values only: no secret reaches `envs`, so a
        // changed value shows as itself in a preview instead of turning the whole list `[secret]`.
        const publicEnvs = pulumi.all(settings.extraEnvs).apply((extraEnvs) => envList(openWebUIPublicEnv(settings, extraEnvs)));

        const volumeName = dataVolume(this, name, settings, args);
        const image = localFirstImage(this, name, settings.image);
        const container = new docker.Container(
            `${name}-container`,
            {
                name: settings.containerName,
                image: image.imageId,
                entrypoints: openWebUIEntrypoint(),
                command: [...settings.command],
                envs: publicEnvs,
                // Given at creation, before start; a change replaces the container like any env change.
                uploads: [{ file: SECRET_ENV_FILE, content: pulumi.secret(secretEnv.apply(shellEnvFile)), permissions: "0400" }],
                ports: [{ internal: OPEN_WEBUI_PORT, external: settings.hostPort, ip: settings.hostAddress, protocol: "tcp" }],
                volumes: [{ volumeName, containerPath: OPEN_WEBUI_DATA_PATH }],
                networksAdvanced: [{ name: args.networkName }],
                healthcheck: openWebUIHealthcheck(),
                // Uvicorn finishes in-flight requests on SIGTERM.
                ...managedContainerArgs(settings),
            },
            // The order after Valkey: an explicit edge, never a data dependency (see ValkeyCache.url).
            managedContainerOptions(this, opts?.dependsOn),
        );

        const shownHost = settings.hostAddress === "0.0.0.0" ? "localhost" : settings.hostAddress.includes(":") ? `[${settings.hostAddress}]` : settings.hostAddress;
        this.url = container.name.apply(() => `http://${shownHost}:${settings.hostPort}`);
        this.secretKey = secretKey;
        this.containerName = container.name;
        this.volumeName = volumeName;
        this.websocketRedisUrl = pulumi.secret(secretEnv.apply((e) => e.WEBSOCKET_REDIS_URL));

        this.registerOutputs({
            url: this.url,
            secretKey: this.secretKey,
            containerName: this.containerName,
            volumeName: this.volumeName,
            websocketRedisUrl: this.websocketRedisUrl,
        });
    }
}
