import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { claimContainerName } from "./containerNames";
import { dataVolume, localFirstImage, managedContainerArgs, managedContainerOptions } from "./managedChildren";
import { buildRedisUrl, checkDbIndex } from "./redisUrl";
import {
    PASSWORD_ENV,
    VALKEY_DATA_PATH,
    VALKEY_PORT,
    VALKEY_UID,
    checkPassword,
    networkSetting,
    resolveValkeySettings,
    valkeyCapabilities,
    valkeyCommand,
    valkeyHealthcheck,
    valkeyUlimits,
} from "./valkeySettings";
import { checkDockerName, checkWhenResolved } from "./validation";

/** The arguments of a {@link ValkeyCache}. Every one is optional; defaults reproduce the tutorial, hardened. */
export interface ValkeyCacheArgs {
    /** Image to run (checked against Docker's reference grammar). Default `docker.io/valkey/valkey:8.0.1-alpine`; a local image of that name is used before any pull. */
    readonly image?: pulumi.Input<string>;
    /** Physical name of the container. Default: the component's name. */
    readonly containerName?: string;
    /** Name of the Docker network to create. Default `<name>-network`. Conflicts with `existingNetworkName`. */
    readonly networkName?: string;
    /** Join this existing Docker network instead of creating one. Default: unset (a network is created). */
    readonly existingNetworkName?: pulumi.Input<string>;
    /** Name of the data volume to create, mounted at /data. Default `<name>-data`. Keep it stable: it holds the data. */
    readonly volumeName?: string;
    /** Use this existing volume for /data instead of creating one. Default: unset. It must be writable by uid 999 or owned by it. */
    readonly existingVolumeName?: pulumi.Input<string>;
    /** Keep the data volume on `pulumi destroy` and when the volume resource is replaced. Default `true`. */
    readonly retainDataOnDelete?: boolean;
    /** Protect the data volume (Pulumi's `protect`): a destroy or replacement of it fails until unprotected. Only the volume; the container stays replaceable. Default `false`. */
    readonly protectData?: boolean;
    /** DNS alias of the server on the network; the host in the connection URL. Default `valkey`. */
    readonly networkAlias?: string;
    /** Require a password. Default `true`; turning it off is an explicit choice and leaves the server open to anyone on the network. */
    readonly authentication?: boolean;
    /** Password to require (pass it as a secret). Default: 32 random letters and digits from `@pulumi/random`. */
    readonly password?: pulumi.Input<string>;
    /** Most clients at once (`maxclients`), 1 to 100000. Default `10000`, as in the tutorial. */
    readonly maxclients?: number;
    /** Seconds after which an idle client is disconnected (`timeout`); must be positive. Default `1800`, as in the tutorial. */
    readonly timeoutSeconds?: number;
    /** TCP keepalive towards clients in seconds (`tcp-keepalive`), 0 to turn it off. Default `300`. */
    readonly tcpKeepaliveSeconds?: number;
    /** Memory Valkey may use for data (`maxmemory`) in MB. Default: unset (no cap); required with `memoryLimitMb`, at most 75% of it. */
    readonly maxmemoryMb?: number;
    /** What happens when maxmemory is reached: `noeviction`, `volatile-ttl` or `volatile-lru`. Default `noeviction`; `allkeys-*` is refused. */
    readonly maxmemoryPolicy?: string;
    /** Container memory limit in MB. Default: unset (no limit). */
    readonly memoryLimitMb?: number;
    /** Bound on processes and threads of the valkey user (`nproc` ulimit), 16 to 65536. Default: unset; see README for why. */
    readonly maxProcesses?: number;
    /** Start the container directly as the valkey user (uid 999) with no capability at all. Default `false` (start as root, step down, three capabilities). */
    readonly runAsValkeyUser?: boolean;
    /** Publish the Valkey port on the host at this port. Default: unset (not published). */
    readonly hostPort?: number;
    /** Address the published port binds to. Default `127.0.0.1`. */
    readonly hostAddress?: string;
    /** Seconds `pulumi up` waits for the container to become healthy. Default `60`. */
    readonly waitTimeoutSeconds?: number;
    /** Seconds between SIGTERM and SIGKILL on stop, replacement and destroy, for Valkey's shutdown save (`destroyGraceSeconds`, `stopTimeout`). Default `30`. */
    readonly stopGraceSeconds?: number;
}

/**
 * A hardened Valkey server on Docker: its network, data volume, image and container, and the
 * connection URL that Open WebUI's `REDIS_URL` takes.
 */
export class ValkeyCache extends pulumi.ComponentResource {
    /** `redis://:<password>@<alias>:6379/0`, secret. Built from plan-time values: order consumers after the server with `dependsOn: [cache]`. */
    public readonly url: pulumi.Output<string>;
    /** Host name of the server on the network (the network alias). */
    public readonly host: pulumi.Output<string>;
    /** Port of the server on the network. */
    public readonly port: pulumi.Output<number>;
    /** The password, secret; undefined when authentication is off. */
    public readonly password: pulumi.Output<string | undefined>;
    /** The server's idle-client timeout in seconds; give it to OpenWebUI's `redisServerTimeoutSeconds`. */
    public readonly timeoutSeconds: pulumi.Output<number>;
    /** Name of the Docker network the server is on. */
    public readonly networkName: pulumi.Output<string>;
    /** Name of the data volume. */
    public readonly volumeName: pulumi.Output<string>;
    /** Name of the container. */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: ValkeyCacheArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("openwebui-valkey:index:ValkeyCache", name, {}, opts);
        const settings = resolveValkeySettings(name, args);
        claimContainerName(settings.containerName, `ValkeyCache "${name}"`, opts);

        const network = settings.createNetworkName
            ? new docker.Network(`${name}-network`, { name: settings.createNetworkName }, { parent: this })
            : undefined;
        const volumeName = dataVolume(this, name, settings, args);
        const image = localFirstImage(this, name, settings.image);

        let password: pulumi.Output<string> | undefined;
        if (settings.authentication) {
            // Secret either way: RandomPassword marks its result secret, but a mistaken plain input must not leak.
            password = pulumi.secret(
                args.password !== undefined
                    ? pulumi.output(args.password).apply((p) => (checkPassword("password", p), p))
                    : new random.RandomPassword(
                          `${name}-password`,
                          // Letters and digits only: the password goes into URLs and shell words unharmed.
                          { length: 32, special: false },
                          { parent: this },
                      ).result,
            );
        }

        const networkName = network
            ? network.name
            : pulumi.output(checkWhenResolved(settings.networkName, (v) => checkDockerName(networkSetting(args), v)));
        const container = new docker.Container(
            `${name}-container`,
            {
                name: settings.containerName,
                image: image.imageId,
                command: valkeyCommand(settings),
                envs: password ? [pulumi.interpolate`${PASSWORD_ENV}=${password}`] : undefined,
                user: settings.runAsValkeyUser ? VALKEY_UID : undefined,
                capabilities: valkeyCapabilities(settings),
                readOnly: true,
                ulimits: valkeyUlimits(settings),
                healthcheck: valkeyHealthcheck(),
                volumes: [{ volumeName, containerPath: VALKEY_DATA_PATH }],
                networksAdvanced: [{ name: networkName, aliases: [settings.networkAlias] }],
                ports:
                    settings.hostPort === undefined
                        ? undefined
                        : [{ internal: VALKEY_PORT, external: settings.hostPort, ip: settings.hostAddress, protocol: "tcp" }],
                // SIGTERM makes Valkey fsync the AOF and save before it exits.
                ...managedContainerArgs(settings),
            },
            managedContainerOptions(this),
        );

        // Known at plan time, not derived from the container: a consumer of the URL must not carry the
        // container as a property dependency, or replacing Valkey (delete-first) would replace it too.
        // Order consumers after a healthy Valkey with `dependsOn: [cache]` instead.
        this.host = pulumi.output(settings.networkAlias);
        this.port = pulumi.output(VALKEY_PORT);
        this.password = password ?? pulumi.output(undefined);
        this.timeoutSeconds = pulumi.output(settings.timeoutSeconds);
        this.networkName = networkName;
        this.volumeName = volumeName;
        this.containerName = container.name;
        this.url = this.urlForDb(0);

        this.registerOutputs({
            url: this.url,
            host: this.host,
            port: this.port,
            password: this.password,
            timeoutSeconds: this.timeoutSeconds,
            networkName: this.networkName,
            volumeName: this.volumeName,
            containerName: this.containerName,
        });
    }

    /** The connection URL for another database index (0-15), secret; e.g. `urlForDb(1)` for the websocket manager. */
    public urlForDb(db: number): pulumi.Output<string> {
        checkDbIndex("db", db);
        return pulumi.secret(
            pulumi
                .all([this.host, this.port, this.password])
                .apply(([host, port, password]) => buildRedisUrl({ scheme: "redis", password, host, port, db })),
        );
    }
}
