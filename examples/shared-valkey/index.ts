// Two Open WebUI instances of ONE deployment behind one Valkey: what several instances need to act
// as one (a load balancer in front of both ports is up to you).
//   - one Redis-protocol server: sessions, token revocation and websocket rooms are shared;
//   - one WEBUI_SECRET_KEY: a token signed by one instance is accepted by the other;
//   - one REDIS_KEY_PREFIX: both read and write the same keys;
//   - one PostgreSQL DATABASE_URL (here a managed one, with the pgvector extension available): SQLite
//     in a data volume serves a single process only;
//   - one external vector store: pgvector in that PostgreSQL (the default local Chroma is not safe
//     across workers or instances). To keep vectors elsewhere, set `pgvectorDbUrl`, or another
//     `vectorDb` with its settings in `extraEnvs` / `extraSecretEnvs`.
// Each instance keeps its own data volume (uploaded files): to share those too, configure Open
// WebUI's external storage through `extraEnvs` and `extraSecretEnvs`.
// Only instances of ONE deployment may share a Valkey: the key prefix separates keys, but Open WebUI
// 0.12.4's Socket.IO channels (`socketio`, `socketio#/#<room>`) are hard-coded and pub/sub ignores
// database numbers, so another deployment on this Valkey would receive these instances' events.
// Give each deployment its own ValkeyCache.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, ValkeyCache } from "openwebui-valkey";

const config = new pulumi.Config();
const databaseUrl = config.requireSecret("databaseUrl");
const redisKeyPrefix = config.get("redisKeyPrefix") ?? "open-webui";

const cache = new ValkeyCache("shared-valkey", {
    // Two instances with a few workers each: the defaults (maxclients 10000, timeout 1800) fit.
    memoryLimitMb: 512,
    maxmemoryMb: 384,
});

// What both instances have in common.
const shared = {
    redisUrl: cache.url,
    networkName: cache.networkName,
    redisServerTimeoutSeconds: cache.timeoutSeconds,
    redisKeyPrefix,
    databaseUrl,
    vectorDb: "pgvector",
    uvicornWorkers: 2,
};

// `dependsOn: [cache]` starts each instance after a healthy Valkey. The URL alone does not order
// them: it is known at plan time on purpose, so that replacing Valkey never replaces the instances.
const first = new OpenWebUI(
    "open-webui-1",
    { ...shared, hostPort: config.getNumber("firstHostPort") ?? 3000 },
    { dependsOn: [cache] },
);

const second = new OpenWebUI(
    "open-webui-2",
    {
        ...shared,
        // The first instance's generated key (secret): both sign and accept the same tokens.
        secretKey: first.secretKey,
        hostPort: config.getNumber("secondHostPort") ?? 3001,
    },
    { dependsOn: [cache] },
);

export const urls = [first.url, second.url];
export const containers = [first.containerName, second.containerName];
export const valkeyContainer = cache.containerName;
