import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LOG_DRIVER, LOG_OPTS } from "./containerDefaults";
import { OPEN_WEBUI_DATA_PATH, OPEN_WEBUI_PORT, checkConnection, openWebUIHealthcheck, openWebUISecretEnv, shellEnvFile } from "./openWebUISettings";
import { SWARM_DEFAULTS, serviceHealthcheck, serviceImage, serviceRestartPolicy, serviceSeconds, versionedName } from "./swarmSettings";
import { SWARM_ENTRYPOINT_FILE, SWARM_SECRET_ENV_FILE_NAME, resolveSwarmOpenWebUISettings, swarmEntrypointScript, swarmPublicEnv } from "./swarmOpenWebUISettings";

/** The arguments of a {@link SwarmOpenWebUI}. Open WebUI gets what an OpenWebUI container gets; these add replicas, placement and rollout. */
export interface SwarmOpenWebUIArgs {
    /** App-state Redis URL (`REDIS_URL`): a SwarmValkeyCache's `url`. Required. Pass the cache in `dependsOn`. */
    readonly redisUrl: pulumi.Input<string>;
    /** Id of the overlay network to join: a SwarmValkeyCache's `networkId`. Required. */
    readonly networkId: pulumi.Input<string>;
    /** The server's idle timeout in seconds (a SwarmValkeyCache's `timeoutSeconds`); the health-check interval must be below it. Default: unset (unknown). */
    readonly redisServerTimeoutSeconds?: pulumi.Input<number>;
    /** Namespace of every key (`REDIS_KEY_PREFIX`). Default `open-webui`. */
    readonly redisKeyPrefix?: string;
    /** `REDIS_HEALTH_CHECK_INTERVAL` in seconds (also given to the websocket client). Default `60`. */
    readonly redisHealthCheckIntervalSeconds?: number;
    /** `REDIS_SOCKET_KEEPALIVE` (also given to the websocket client). Default `true`. */
    readonly redisSocketKeepalive?: boolean;
    /** Key that signs sessions (`WEBUI_SECRET_KEY`): every replica gets the same. Default: 64 random characters. */
    readonly secretKey?: pulumi.Input<string>;
    /** Database URL (`DATABASE_URL`, secret); required with more than one replica. Default: unset (SQLite in each replica's volume). */
    readonly databaseUrl?: pulumi.Input<string>;
    /** Vector store (`VECTOR_DB`); several replicas need an external one such as `pgvector`. Default: unset (a Chroma per replica). */
    readonly vectorDb?: string;
    /** Replicas of the service, 1 to 100; more than one needs `databaseUrl` and an external `vectorDb`. Default `1`. */
    readonly replicas?: number;
    /** Most replicas on one node; 0 means no limit. Default `1`, so a node loss takes one replica. */
    readonly maxReplicasPerNode?: number;
    /** Further placement constraints, e.g. `node.role==worker`. Default: none. */
    readonly placementConstraints?: string[];
    /** Uvicorn worker processes per replica (`UVICORN_WORKERS`). Default `1`: replicas are the unit of scale. */
    readonly uvicornWorkers?: number;
    /** How long a sign-in token lives (`JWT_EXPIRES_IN`). Default `4w`. */
    readonly jwtExpiresIn?: string;
    /** `OFFLINE_MODE`. Default `false`. */
    readonly offlineMode?: boolean;
    /** Port published for the web interface (container port 8080). Default `3000`. */
    readonly publishedPort?: number;
    /** `ingress` (the routing mesh: every node answers) or `host` (nodes running a replica answer, on their own address). Default `ingress`. */
    readonly publishMode?: string;
    /** `vip` or `dnsrr`. Default `vip`; kernels without IPVS need `dnsrr` (and then `publishMode` host). */
    readonly endpointMode?: string;
    /** `start-first` or `stop-first` for changes that keep the image. Default `start-first`, or `stop-first` with host publishing (the port is taken on the node). A new image always stops every old replica first. */
    readonly updateOrder?: string;
    /** Where uploads go (`STORAGE_PROVIDER`): `local` (the data volume), `s3`, `gcs` or `azure`. Default `local`, which with several replicas needs `dataVolumeDriver` (see README). */
    readonly storageProvider?: string;
    /** The storage provider's plain variables, e.g. `{ S3_BUCKET_NAME: "uploads", S3_ENDPOINT_URL: "..." }`. Default: none. */
    readonly storageEnvs?: { [name: string]: pulumi.Input<string> };
    /** The storage provider's secret variables, e.g. `S3_SECRET_ACCESS_KEY`; they reach the task as a Docker secret. Default: none. */
    readonly storageSecretEnvs?: { [name: string]: pulumi.Input<string> };
    /** Volume driver of the data volume, e.g. `local` with NFS options, so every replica sees one volume. Default: unset (each node's own local volume). */
    readonly dataVolumeDriver?: string;
    /** Options of that driver, e.g. `{ type: "nfs", o: "addr=10.0.0.5,rw", device: ":/exports/open-webui" }`. Default: none. */
    readonly dataVolumeDriverOptions?: { [name: string]: string };
    /** Further environment variables (shown in previews); names the component manages are refused. Default: none. */
    readonly extraEnvs?: { [name: string]: pulumi.Input<string> };
    /** Further secret variables: they reach the task through the Docker secret, never the service spec. Default: none. */
    readonly extraSecretEnvs?: { [name: string]: pulumi.Input<string> };
    /** Image to run; every node must be able to pull it. Default `ghcr.io/open-webui/open-webui:v0.12.4`. */
    readonly image?: pulumi.Input<string>;
    /** Name of the Swarm service. Default: the component's name. */
    readonly serviceName?: string;
    /** Name of the data volume on each node. Default `<name>-data`. */
    readonly volumeName?: string;
    /** Task memory limit in MB. Default: unset. */
    readonly memoryLimitMb?: number;
    /** Seconds `pulumi up` waits for every replica to be healthy. Default `600`. */
    readonly waitTimeoutSeconds?: number;
    /** Seconds between SIGTERM and SIGKILL when a task stops, for in-flight requests. Default `30`. */
    readonly stopGraceSeconds?: number;
}

/**
 * Open WebUI as a replicated Swarm service: the same environment, healthcheck and entrypoint
 * preparation as the container, its secrets as one Docker secret file, replicas spread one per
 * node, health-gated rolling updates that roll back on failure, and a new image only after every
 * old replica has stopped (never two versions on one database).
 */
export class SwarmOpenWebUI extends pulumi.ComponentResource {
    /** The port the web interface is published on (on every node with ingress, on nodes running a replica with host mode). */
    public readonly publishedPort: pulumi.Output<number>;
    /** The key that signs sessions (secret). */
    public readonly secretKey: pulumi.Output<string>;
    /** Name of the service. */
    public readonly serviceName: pulumi.Output<string>;
    /** Name of the data volume on each node. */
    public readonly volumeName: pulumi.Output<string>;

    constructor(name: string, args: SwarmOpenWebUIArgs, opts?: pulumi.ComponentResourceOptions) {
        super("openwebui-valkey:index:SwarmOpenWebUI", name, {}, opts);
        const settings = resolveSwarmOpenWebUISettings(name, args);
        checkConnection(settings, {
            redisUrl: typeof args.redisUrl === "string" ? args.redisUrl : undefined,
            redisServerTimeoutSeconds: typeof args.redisServerTimeoutSeconds === "number" ? args.redisServerTimeoutSeconds : undefined,
            secretKey: typeof args.secretKey === "string" ? args.secretKey : undefined,
            databaseUrl: typeof args.databaseUrl === "string" ? args.databaseUrl : undefined,
        });
        if (settings.replicas > 1 && settings.storageProvider === "local" && settings.dataVolumeDriver === undefined) {
            pulumi.log.warn(
                `${name}: ${settings.replicas} replicas keep uploads in each node's own volume: a file uploaded through one replica is missing on the others. Set storageProvider (s3, gcs, azure) or dataVolumeDriver for a volume every node mounts.`,
                this,
            );
        }

        const secretKey = pulumi.secret(args.secretKey ?? new random.RandomPassword(`${name}-secret-key`, { length: 64, special: false }, { parent: this }).result);
        const secretFile = pulumi
            .all([args.redisUrl, args.redisServerTimeoutSeconds, secretKey, args.databaseUrl, pulumi.all(settings.extraSecretEnvs), pulumi.all(settings.storageSecretEnvs)])
            .apply(([redisUrl, redisServerTimeoutSeconds, key, databaseUrl, extraSecretEnvs, storageSecretEnvs]) =>
                shellEnvFile(openWebUISecretEnv(settings, { redisUrl, redisServerTimeoutSeconds, secretKey: key, databaseUrl }, { ...extraSecretEnvs, ...storageSecretEnvs })),
            );
        const nameKey = new random.RandomPassword(`${name}-secret-name-key`, { length: 32, special: false }, { parent: this }).result;
        const secret = new docker.Secret(
            `${name}-env-secret`,
            {
                name: pulumi.unsecret(pulumi.all([secretFile, nameKey]).apply(([file, key]) => versionedName(`${settings.containerName}-env`, file, key))),
                data: pulumi.secret(secretFile.apply((file) => Buffer.from(file).toString("base64"))),
            },
            { parent: this },
        );
        const script = swarmEntrypointScript();
        const entrypoint = new docker.ServiceConfig(
            `${name}-entrypoint`,
            { name: versionedName(`${settings.containerName}-entrypoint`, script), data: Buffer.from(script).toString("base64") },
            { parent: this },
        );

        const env = pulumi
            .all([pulumi.all(settings.extraEnvs), pulumi.all(settings.storageEnvs)])
            .apply(([extraEnvs, storageEnvs]) => swarmPublicEnv(settings, extraEnvs, storageEnvs));
        const service = new docker.Service(
            `${name}-service`,
            {
                name: settings.containerName,
                mode: { replicated: { replicas: settings.replicas } },
                taskSpec: {
                    containerSpec: {
                        image: pulumi.output(settings.image).apply(serviceImage),
                        commands: ["sh", SWARM_ENTRYPOINT_FILE],
                        args: [...settings.command],
                        env,
                        secrets: [{ secretId: secret.id, secretName: secret.name, fileName: SWARM_SECRET_ENV_FILE_NAME, fileUid: "0", fileGid: "0", fileMode: 0o400 }],
                        configs: [{ configId: entrypoint.id, configName: entrypoint.name, fileName: SWARM_ENTRYPOINT_FILE, fileUid: "0", fileGid: "0", fileMode: 0o555 }],
                        healthcheck: serviceHealthcheck(openWebUIHealthcheck()),
                        stopGracePeriod: serviceSeconds(settings.stopGraceSeconds),
                        mounts: [
                            {
                                type: "volume",
                                source: String(settings.createVolumeName),
                                target: OPEN_WEBUI_DATA_PATH,
                                volumeOptions:
                                    settings.dataVolumeDriver === undefined ? undefined : { driverName: settings.dataVolumeDriver, driverOptions: { ...settings.dataVolumeDriverOptions } },
                            },
                        ],
                    },
                    networksAdvanceds: [{ name: args.networkId }],
                    placement: {
                        constraints: settings.placementConstraints.length > 0 ? [...settings.placementConstraints] : undefined,
                        maxReplicas: settings.maxReplicasPerNode === 0 ? undefined : settings.maxReplicasPerNode,
                    },
                    restartPolicy: serviceRestartPolicy(5),
                    resources: settings.memoryLimitMb === undefined ? undefined : { limits: { memoryBytes: settings.memoryLimitMb * 1024 * 1024 } },
                    logDriver: { name: LOG_DRIVER, options: { ...LOG_OPTS } },
                },
                endpointSpec: {
                    mode: settings.endpointMode,
                    ports: [{ targetPort: OPEN_WEBUI_PORT, publishedPort: settings.hostPort, protocol: "tcp", publishMode: settings.publishMode }],
                },
                // One replica at a time, each gated by its healthcheck; a failure rolls back.
                updateConfig: { parallelism: 1, order: settings.updateOrder, failureAction: "rollback", monitor: SWARM_DEFAULTS.updateMonitor },
                rollbackConfig: { parallelism: 1, order: settings.updateOrder, failureAction: "pause", monitor: SWARM_DEFAULTS.updateMonitor },
                convergeConfig: { delay: SWARM_DEFAULTS.convergeDelay, timeout: serviceSeconds(settings.waitTimeoutSeconds) },
            },
            {
                parent: this,
                dependsOn: opts?.dependsOn,
                // A new image replaces the service, old replicas gone first: never two releases of
                // Open WebUI migrating or running against one database (its multi-replica guide).
                replaceOnChanges: ["taskSpec.containerSpec.image"],
                deleteBeforeReplace: true,
            },
        );

        this.publishedPort = pulumi.output(settings.hostPort);
        this.secretKey = secretKey;
        this.serviceName = service.name;
        this.volumeName = pulumi.output(String(settings.createVolumeName));
        this.registerOutputs({ publishedPort: this.publishedPort, secretKey: this.secretKey, serviceName: this.serviceName, volumeName: this.volumeName });
    }
}
