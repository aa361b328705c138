// Engine-test program: two Open WebUI instances of ONE deployment (one secret key, one key prefix,
// one PostgreSQL, one vector store) on one ValkeyCache, as examples/shared-valkey builds them, with
// this project's components imported from source. Only the engine tests realize it.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, PostgresDatabase, ValkeyCache } from "../../../../components";

const config = new pulumi.Config();
const prefix = config.require("namePrefix");

const cache = new ValkeyCache(`${prefix}-valkey`, {
    timeoutSeconds: config.getNumber("valkeyTimeoutSeconds"),
});
const database = new PostgresDatabase(`${prefix}-postgres`, { networkName: cache.networkName });

const shared = {
    redisUrl: cache.url,
    networkName: cache.networkName,
    redisServerTimeoutSeconds: cache.timeoutSeconds,
    databaseUrl: database.databaseUrl,
    vectorDb: "pgvector",
    uvicornWorkers: config.getNumber("uvicornWorkers") ?? 1,
    offlineMode: true,
    // Channels give the tests a route whose handler emits a Socket.IO event to the caller's room.
    extraEnvs: { ENABLE_CHANNELS: "true" },
};

const first = new OpenWebUI(`${prefix}-open-webui-1`, { ...shared, hostPort: config.requireNumber("firstHostPort") }, { dependsOn: [cache, database] });
// The second starts after the first: the first migrates the empty database alone.
const second = new OpenWebUI(
    `${prefix}-open-webui-2`,
    { ...shared, secretKey: first.secretKey, hostPort: config.requireNumber("secondHostPort") },
    { dependsOn: [cache, database, first] },
);

export const containers = [first.containerName, second.containerName];
export const valkeyContainer = cache.containerName;
