import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LOG_DRIVER, LOG_OPTS } from "./containerDefaults";
import { buildRedisUrl, checkDbIndex } from "./redisUrl";
import { SWARM_DEFAULTS, VALKEY_SECRET_FILE_MODE, labelConstraint, serviceImage, serviceRestartPolicy, serviceSeconds, versionedName } from "./swarmSettings";
import { VALKEY_PASSWORD_FILE_NAME, resolveSwarmValkeySettings, valkeyTaskSpec } from "./swarmValkeySettings";
import { VALKEY_PORT, VALKEY_UID, checkPassword } from "./valkeySettings";

/** The arguments of a {@link SwarmValkeyCache}. Every one is optional; the server gets what a ValkeyCache container gets. */
export interface SwarmValkeyCacheArgs {
    /** Image to run (checked against Docker's reference grammar); every node that may run it must be able to pull it. Default `docker.io/valkey/valkey:8.0.1-alpine`. */
    readonly image?: pulumi.Input<string>;
    /** Name of the Swarm service. Default: the component's name. */
    readonly serviceName?: string;
    /** Name of the attachable overlay network to create. Default `<name>-network`. */
    readonly networkName?: string;
    /** Name of the data volume, created on the labelled node by the first task and kept when the service goes. Default `<name>-data`. */
    readonly volumeName?: string;
    /** Node label that pins Valkey, and so its data volume, to the nodes labelled `<label>=true` (label exactly one). Default `openwebui-valkey.valkey`. */
    readonly placementLabel?: string;
    /** `vip` or `dnsrr`: how the alias resolves. Default `vip`; kernels without IPVS need `dnsrr`. */
    readonly endpointMode?: string;
    /** DNS alias of the server on the network; the host in the connection URL. Default `valkey`. */
    readonly networkAlias?: string;
    /** Require a password. Default `true`. */
    readonly authentication?: boolean;
    /** Password to require (pass it as a secret); it reaches the task as a Docker secret file only. Default: 32 random letters and digits. */
    readonly password?: pulumi.Input<string>;
    /** Most clients at once (`maxclients`), 1 to 100000. Default `10000`. */
    readonly maxclients?: number;
    /** Seconds after which an idle client is disconnected (`timeout`). Default `1800`. */
    readonly timeoutSeconds?: number;
    /** TCP keepalive towards clients in seconds (`tcp-keepalive`). Default `300`. */
    readonly tcpKeepaliveSeconds?: number;
    /** `maxmemory` in MB; required with `memoryLimitMb`, at most 75% of it. Default: unset. */
    readonly maxmemoryMb?: number;
    /** `noeviction`, `volatile-ttl` or `volatile-lru`. Default `noeviction`. */
    readonly maxmemoryPolicy?: string;
    /** Task memory limit in MB. Default: unset. */
    readonly memoryLimitMb?: number;
    /** Start directly as the valkey user (uid 999) with no capability. Default `false`. */
    readonly runAsValkeyUser?: boolean;
    /** Seconds `pulumi up` waits for the service to converge (its task running and healthy). Default `60`. */
    readonly waitTimeoutSeconds?: number;
    /** Seconds between SIGTERM and SIGKILL when a task stops, for Valkey's shutdown save. Default `30`. */
    readonly stopGraceSeconds?: number;
}

/**
 * A hardened Valkey server as a Swarm service: an attachable overlay network, the password as a
 * Docker secret, one task pinned by a node label to the node that keeps its volume, stop-first
 * updates with a grace period for the shutdown save. Outputs the connection URL.
 */
export class SwarmValkeyCache extends pulumi.ComponentResource {
    /** `redis://:<password>@<alias>:6379/0`, secret. Built from plan-time values: order consumers with `dependsOn: [cache]`. */
    public readonly url: pulumi.Output<string>;
    /** Host name of the server on the network (the alias). */
    public readonly host: pulumi.Output<string>;
    /** Port of the server on the network. */
    public readonly port: pulumi.Output<number>;
    /** The password, secret; undefined when authentication is off. */
    public readonly password: pulumi.Output<string | undefined>;
    /** The server's idle-client timeout in seconds; give it to SwarmOpenWebUI's `redisServerTimeoutSeconds`. */
    public readonly timeoutSeconds: pulumi.Output<number>;
    /** Name of the overlay network. */
    public readonly networkName: pulumi.Output<string>;
    /** Id of the overlay network: what another service's `networksAdvanced` takes. */
    public readonly networkId: pulumi.Output<string>;
    /** Name of the data volume on the labelled node. */
    public readonly volumeName: pulumi.Output<string>;
    /** Name of the service. */
    public readonly serviceName: pulumi.Output<string>;

    constructor(name: string, args: SwarmValkeyCacheArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("openwebui-valkey:index:SwarmValkeyCache", name, {}, opts);
        const settings = resolveSwarmValkeySettings(name, args);

        // Attachable: a container outside the swarm's services (a PostgresDatabase, a one-off
        // client) can join it. Not encrypted: that needs the kernel's AEAD cipher; see README.
        const network = new docker.Network(`${name}-network`, { name: settings.createNetworkName, driver: "overlay", attachable: true }, { parent: this });

        let password: pulumi.Output<string> | undefined;
        let secret: docker.Secret | undefined;
        if (settings.authentication) {
            password = pulumi.secret(
                args.password !== undefined
                    ? pulumi.output(args.password).apply((p) => (checkPassword("password", p), p))
                    : new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result,
            );
            // Keys the secret's name (see versionedName): random, in state only, secret.
            const nameKey = new random.RandomPassword(`${name}-secret-name-key`, { length: 32, special: false }, { parent: this }).result;
            const secretName = pulumi.unsecret(pulumi.all([password, nameKey]).apply(([p, key]) => versionedName(`${settings.containerName}-password`, p, key)));
            secret = new docker.Secret(
                `${name}-password-secret`,
                { name: secretName, data: pulumi.secret(password.apply((p) => Buffer.from(p).toString("base64"))) },
                // A new password is a new secret; the old one goes once the service has moved off it.
                { parent: this },
            );
        }

        const task = valkeyTaskSpec(settings, secret !== undefined);
        const service = new docker.Service(
            `${name}-service`,
            {
                name: settings.containerName,
                mode: { replicated: { replicas: 1 } },
                taskSpec: {
                    containerSpec: {
                        image: pulumi.output(settings.image).apply(serviceImage),
                        ...task,
                        secrets: secret
                            ? [{ secretId: secret.id, secretName: secret.name, fileName: VALKEY_PASSWORD_FILE_NAME, fileUid: VALKEY_UID, fileGid: VALKEY_UID, fileMode: VALKEY_SECRET_FILE_MODE }]
                            : undefined,
                    },
                    networksAdvanceds: [{ name: network.id, aliases: [settings.networkAlias] }],
                    // The volume lives on one node: the task must always go back there.
                    placement: { constraints: [labelConstraint(settings.placementLabel)] },
                    restartPolicy: serviceRestartPolicy(1),
                    resources: settings.memoryLimitMb === undefined ? undefined : { limits: { memoryBytes: settings.memoryLimitMb * 1024 * 1024 } },
                    logDriver: { name: LOG_DRIVER, options: { ...LOG_OPTS } },
                },
                endpointSpec: { mode: settings.endpointMode },
                // Never two servers on one AOF: the old task saves and exits before the new one starts.
                updateConfig: { parallelism: 1, order: "stop-first", failureAction: "rollback", monitor: SWARM_DEFAULTS.updateMonitor },
                rollbackConfig: { parallelism: 1, order: "stop-first", failureAction: "pause", monitor: SWARM_DEFAULTS.updateMonitor },
                // `pulumi up` returns once the task runs and is healthy; a create that does not get there is deleted.
                convergeConfig: { delay: SWARM_DEFAULTS.convergeDelay, timeout: serviceSeconds(settings.waitTimeoutSeconds) },
            },
            { parent: this },
        );

        this.host = pulumi.output(settings.networkAlias);
        this.port = pulumi.output(VALKEY_PORT);
        this.password = password ?? pulumi.output(undefined);
        this.timeoutSeconds = pulumi.output(settings.timeoutSeconds);
        this.networkName = network.name;
        this.networkId = network.id;
        this.volumeName = pulumi.output(settings.volumeName);
        this.serviceName = service.name;
        this.url = this.urlForDb(0);

        this.registerOutputs({
            url: this.url,
            host: this.host,
            port: this.port,
            password: this.password,
            timeoutSeconds: this.timeoutSeconds,
            networkName: this.networkName,
            networkId: this.networkId,
            volumeName: this.volumeName,
            serviceName: this.serviceName,
        });
    }

    /** The connection URL for another database index (0-15), secret. */
    public urlForDb(db: number): pulumi.Output<string> {
        checkDbIndex("db", db);
        return pulumi.secret(
            pulumi
                .all([this.host, this.port, this.password])
                .apply(([host, port, password]) => buildRedisUrl({ scheme: "redis", password, host, port, db })),
        );
    }
}
