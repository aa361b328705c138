import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { claimContainerName } from "./containerNames";
import { dataVolume, localFirstImage, managedContainerArgs, managedContainerOptions } from "./managedChildren";
import {
    POSTGRES_DATA_PATH,
    POSTGRES_INIT_SCRIPT,
    POSTGRES_INIT_SQL,
    POSTGRES_PASSWORD_FILE,
    POSTGRES_PORT,
    POSTGRES_UID,
    buildDatabaseUrl,
    checkDatabasePassword,
    postgresEnv,
    postgresHealthcheck,
    resolvePostgresSettings,
} from "./postgresSettings";

/** The arguments of a {@link PostgresDatabase}. */
export interface PostgresDatabaseArgs {
    /** Docker network to join, e.g. a ValkeyCache's `networkName`. Required. */
    readonly networkName: pulumi.Input<string>;
    /** Image to run: PostgreSQL with pgvector, laid out like the official postgres image. Default `docker.io/pgvector/pgvector:0.8.0-pg17`. */
    readonly image?: pulumi.Input<string>;
    /** Physical name of the container. Default: the component's name. */
    readonly containerName?: string;
    /** Name of the data volume to create, mounted at /var/lib/postgresql/data. Default `<name>-data`. Keep it stable: it holds the data. */
    readonly volumeName?: string;
    /** Use this existing volume instead of creating one; it must be owned by uid 999. Default: unset. */
    readonly existingVolumeName?: pulumi.Input<string>;
    /** Keep the data volume on `pulumi destroy` and when the volume resource is replaced. Default `true`. */
    readonly retainDataOnDelete?: boolean;
    /** Protect the data volume (Pulumi's `protect`); the container stays replaceable. Default `false`. */
    readonly protectData?: boolean;
    /** DNS alias of the server on the network; the host in the database URL. Default `postgres`. */
    readonly networkAlias?: string;
    /** Database to create on first start. Default `openwebui`. */
    readonly databaseName?: string;
    /** Role Open WebUI connects as (owner of the database). Default `openwebui`. */
    readonly userName?: string;
    /** Its password (pass it as a secret). Default: 32 random letters and digits from `@pulumi/random`. */
    readonly password?: pulumi.Input<string>;
    /** Container memory limit in MB (no swap beyond it), at least 256. Default `1024`. */
    readonly memoryLimitMb?: number;
    /** Size of /dev/shm in MB, for parallel query workers. Default `256`. */
    readonly shmSizeMb?: number;
    /** Publish port 5432 on the host at this port. Default: unset (not published). */
    readonly hostPort?: number;
    /** Address the published port binds to. Default `127.0.0.1`. */
    readonly hostAddress?: string;
    /** Seconds `pulumi up` waits for an authenticated query to succeed; the first start runs initdb. Default `120`. */
    readonly waitTimeoutSeconds?: number;
    /** Seconds between the stop signal (SIGINT, a fast shutdown with a final checkpoint) and SIGKILL. Default `60`. */
    readonly stopGraceSeconds?: number;
}

/**
 * PostgreSQL with pgvector on Docker, for Open WebUI's database and vector store when it runs
 * several workers or instances: its data volume, image and hardened container, and the URL that
 * Open WebUI's `databaseUrl` takes.
 */
export class PostgresDatabase extends pulumi.ComponentResource {
    /** `postgresql://<user>:<password>@<alias>:5432/<db>`, secret. Built from plan-time values: order consumers with `dependsOn`. */
    public readonly databaseUrl: pulumi.Output<string>;
    /** The password, secret. */
    public readonly password: pulumi.Output<string>;
    /** Host name of the server on the network (the network alias). */
    public readonly host: pulumi.Output<string>;
    /** Port of the server on the network. */
    public readonly port: pulumi.Output<number>;
    /** Name of the container. */
    public readonly containerName: pulumi.Output<string>;
    /** Name of the data volume. */
    public readonly volumeName: pulumi.Output<string>;

    constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("openwebui-valkey:index:PostgresDatabase", name, {}, opts);
        const settings = resolvePostgresSettings(name, args);
        claimContainerName(settings.containerName, `PostgresDatabase "${name}"`, opts);

        const volumeName = dataVolume(this, name, settings, args);
        const image = localFirstImage(this, name, settings.image);
        const password = pulumi.secret(
            args.password !== undefined
                ? pulumi.output(args.password).apply((p) => (checkDatabasePassword("password", p), p))
                : new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result,
        );

        const container = new docker.Container(
            `${name}-container`,
            {
                name: settings.containerName,
                image: image.imageId,
                // As the image's postgres user from the start: the entrypoint then needs no capability
                // to chown or step down, and a fresh volume takes the image's ownership of the path.
                user: POSTGRES_UID,
                capabilities: { drops: ["ALL"] },
                envs: postgresEnv(settings),
                // Given at creation, read by the entrypoint on first start: the password never enters
                // `envs`, `docker inspect` or a preview.
                uploads: [
                    { file: POSTGRES_PASSWORD_FILE, content: password, permissions: "0400", owner: POSTGRES_UID, group: POSTGRES_UID },
                    { file: POSTGRES_INIT_SCRIPT, content: POSTGRES_INIT_SQL, permissions: "0444" },
                ],
                healthcheck: postgresHealthcheck(settings),
                shmSize: settings.shmSizeMb,
                volumes: [{ volumeName, containerPath: POSTGRES_DATA_PATH }],
                networksAdvanced: [{ name: settings.networkName, aliases: [settings.networkAlias] }],
                ports:
                    settings.hostPort === undefined
                        ? undefined
                        : [{ internal: POSTGRES_PORT, external: settings.hostPort, ip: settings.hostAddress, protocol: "tcp" }],
                // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, a checkpoint is written.
                stopSignal: "SIGINT",
                ...managedContainerArgs(settings),
            },
            managedContainerOptions(this),
        );

        this.password = password;
        this.host = pulumi.output(settings.networkAlias);
        this.port = pulumi.output(POSTGRES_PORT);
        // From plan-time values, not from the container: replacing the database must not replace its consumers.
        this.databaseUrl = pulumi.secret(password.apply((p) => buildDatabaseUrl(settings, p)));
        this.containerName = container.name;
        this.volumeName = volumeName;

        this.registerOutputs({
            databaseUrl: this.databaseUrl,
            password: this.password,
            host: this.host,
            port: this.port,
            containerName: this.containerName,
            volumeName: this.volumeName,
        });
    }
}
