import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LOG_DRIVER, LOG_OPTS, NO_NEW_PRIVILEGES, RESTART_POLICY } from "./containerDefaults";
import {
    OPEN_WEBUI_DATA_PATH,
    OPEN_WEBUI_PORT,
    checkConnection,
    envList,
    openWebUIEnv,
    resolveOpenWebUISettings,
} from "./openWebUISettings";

/** The arguments of an {@link OpenWebUI}. */
export interface OpenWebUIArgs {
    /** App-state Redis URL (`REDIS_URL`): a ValkeyCache's `url`, or any `redis://` / `rediss://` endpoint. Required. */
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
    /** Uvicorn worker processes (`UVICORN_WORKERS`), 1 to 64. Default `1`. */
    readonly uvicornWorkers?: number;
    /** Database URL (`DATABASE_URL`, secret), e.g. PostgreSQL shared by several instances. Default: unset (SQLite in the data volume, one instance only). */
    readonly databaseUrl?: pulumi.Input<string>;
    /** Further environment variables; a name this component manages is refused. Default: none. */
    readonly extraEnvs?: { [name: string]: string };
    /** Image to run. Default `ghcr.io/open-webui/open-webui:v0.6.36` (pinned). */
    readonly image?: string;
    /** Physical name of the container. Default: the component's name. */
    readonly containerName?: string;
    /** Name of the data volume to create, mounted at /app/backend/data. Default `<name>-data`. */
    readonly volumeName?: string;
    /** Use this existing volume instead of creating one. Default: unset. */
    readonly existingVolumeName?: string;
    /** Keep the data volume on `pulumi destroy` and on replacement. Default `true`. */
    readonly retainDataOnDelete?: boolean;
    /** Host port that publishes the web interface (container port 8080). Default `3000`. */
    readonly hostPort?: number;
    /** Address the host port binds to. Default `127.0.0.1` (this host only); a reverse proxy or `0.0.0.0` opens it further. */
    readonly hostAddress?: string;
    /** Container memory limit in MB. Default: unset (no limit). */
    readonly memoryLimitMb?: number;
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
        });

        const secretKey = pulumi.secret(
            args.secretKey ??
                new random.RandomPassword(`${name}-secret-key`, { length: 64, special: false }, { parent: this }).result,
        );
        const env = pulumi
            .all([args.redisUrl, args.websocketRedisUrl, args.redisServerTimeoutSeconds, secretKey, args.databaseUrl])
            .apply(([redisUrl, websocketRedisUrl, redisServerTimeoutSeconds, key, databaseUrl]) =>
                openWebUIEnv(settings, { redisUrl, websocketRedisUrl, redisServerTimeoutSeconds, secretKey: key, databaseUrl }),
            );

        const volume = settings.createVolumeName
            ? new docker.Volume(
                  `${name}-data`,
                  { name: settings.createVolumeName },
                  { parent: this, retainOnDelete: settings.retainDataOnDelete },
              )
            : undefined;
        const image = new docker.RemoteImage(
            `${name}-image`,
            { name: settings.image, keepLocally: true },
            { parent: this },
        );
        const container = new docker.Container(
            `${name}-container`,
            {
                name: settings.containerName,
                image: image.imageId,
                envs: pulumi.secret(env.apply(envList)),
                ports: [{ internal: OPEN_WEBUI_PORT, external: settings.hostPort, ip: settings.hostAddress, protocol: "tcp" }],
                volumes: [{ volumeName: volume ? volume.name : settings.volumeName, containerPath: OPEN_WEBUI_DATA_PATH }],
                networksAdvanced: [{ name: args.networkName }],
                securityOpts: [NO_NEW_PRIVILEGES],
                memory: settings.memoryLimitMb,
                restart: RESTART_POLICY,
                logDriver: LOG_DRIVER,
                logOpts: { ...LOG_OPTS },
            },
            { parent: this, deleteBeforeReplace: true },
        );

        const shownHost = settings.hostAddress === "0.0.0.0" ? "localhost" : settings.hostAddress.includes(":") ? `[${settings.hostAddress}]` : settings.hostAddress;
        this.url = container.name.apply(() => `http://${shownHost}:${settings.hostPort}`);
        this.secretKey = secretKey;
        this.containerName = container.name;
        this.volumeName = volume ? volume.name : pulumi.output(settings.volumeName);
        this.websocketRedisUrl = pulumi.secret(env.apply((e) => e.WEBSOCKET_REDIS_URL));

        this.registerOutputs({
            url: this.url,
            secretKey: this.secretKey,
            containerName: this.containerName,
            volumeName: this.volumeName,
            websocketRedisUrl: this.websocketRedisUrl,
        });
    }
}
