// Open WebUI as replicas of a Docker Swarm service, behind one Valkey service, on PostgreSQL with
// pgvector. Point the Docker provider at a swarm manager (DOCKER_HOST, or
// `pulumi config set docker:host ssh://user@manager`); every node must be able to pull the images.
// What several replicas need to act as one, the components set or check:
//   - one Valkey (sessions, token revocation, websocket rooms) and one WEBUI_SECRET_KEY;
//   - one database and one vector store: PostgreSQL with pgvector (SQLite and the default Chroma
//     live in each replica's own volume, so more than one replica without them is refused);
//   - one place for uploads: an S3 bucket here (s3Bucket); left empty, each node keeps its own files
//     and the component warns as soon as there is more than one replica.
import * as pulumi from "@pulumi/pulumi";
import { PostgresDatabase, SwarmOpenWebUI, SwarmValkeyCache } from "openwebui-valkey";

const config = new pulumi.Config();

// Valkey's data volume lives on one node, so Valkey is pinned to the node carrying this label. Label
// exactly one node, once: docker node update --label-add openwebui-valkey.valkey=true <node>
const placementLabel = config.get("placementLabel") ?? "openwebui-valkey.valkey";
// vip works wherever the kernel has IPVS. Without it (some minimal or hardened kernels), use dnsrr:
// the service name then resolves to every task, and the port is published in host mode (the routing
// mesh balances through the virtual IP that dnsrr does not have).
const endpointMode = config.get("endpointMode") ?? "vip";
const publishMode = config.get("publishMode") || (endpointMode === "dnsrr" ? "host" : "ingress");

const cache = new SwarmValkeyCache("valkey", {
    placementLabel,
    endpointMode,
    memoryLimitMb: 512,
    maxmemoryMb: 384,
});

// A container on the manager the provider talks to (its volume stays there), joined to the cache's
// attachable overlay network, which every replica reaches. A managed PostgreSQL with pgvector works
// as well: give its URL as `databaseUrl` instead.
const database = new PostgresDatabase("postgres", { networkName: cache.networkName });

// Uploads in S3, which every replica reaches. Only the secret key is secret: it reaches the tasks in
// the component's Docker secret, never in the service spec that anyone with Docker access can read.
const s3Bucket = config.get("s3Bucket") ?? "";
const s3EndpointUrl = config.get("s3EndpointUrl") ?? "";
const s3AccessKeyId = config.get("s3AccessKeyId") ?? "";
const storageEnvs: Record<string, string> = {};
const storageSecretEnvs: Record<string, pulumi.Output<string>> = {};
if (s3Bucket !== "") {
    storageEnvs.S3_BUCKET_NAME = s3Bucket;
    if (s3EndpointUrl !== "") storageEnvs.S3_ENDPOINT_URL = s3EndpointUrl;
    // Without an access key id, the nodes' own credentials (an instance role) are used.
    if (s3AccessKeyId !== "") {
        storageEnvs.S3_ACCESS_KEY_ID = s3AccessKeyId;
        storageSecretEnvs.S3_SECRET_ACCESS_KEY = config.requireSecret("s3SecretAccessKey").apply((key) => {
            if (key === "") throw new Error("s3AccessKeyId is set without its key: pulumi config set --secret s3SecretAccessKey <key>");
            return key;
        });
    }
}

const webui = new SwarmOpenWebUI(
    "open-webui",
    {
        redisUrl: cache.url,
        networkId: cache.networkId,
        redisServerTimeoutSeconds: cache.timeoutSeconds,
        databaseUrl: database.databaseUrl,
        vectorDb: "pgvector",
        // At most one replica per node by default: a node lost takes one replica with it. An update
        // that keeps the image starts each new replica beside its predecessor (start-first, with the
        // routing mesh), so keep a node more than replicas, or set `updateOrder: "stop-first"`.
        replicas: config.getNumber("replicas") ?? 2,
        endpointMode,
        publishMode,
        publishedPort: config.getNumber("publishedPort") ?? 3000,
        // local: each node's own volume (the component warns with more than one replica).
        storageProvider: s3Bucket === "" ? "local" : "s3",
        storageEnvs,
        storageSecretEnvs,
    },
    // Replicas start after a healthy Valkey and PostgreSQL; the URLs alone do not order them.
    { dependsOn: [cache, database] },
);

export const openWebUIService = webui.serviceName;
export const publishedPort = webui.publishedPort;
export const valkeyService = cache.serviceName;
export const postgresContainer = database.containerName;
