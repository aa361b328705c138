// The Pulumi program: one ValkeyCache, one OpenWebUI and, where the stack enables it, one
// PostgresDatabase per stack, configured by Pulumi.<stack>.yaml.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, PostgresDatabase, ValkeyCache } from "./components";
import { CONFIG_NAMESPACE, engineConfig, readStackSettings } from "./program/stackConfig";

const config = new pulumi.Config(CONFIG_NAMESPACE);
// The whole configuration is checked here, before any resource is declared: every value, and every
// key set (a mistyped key, a secret stored in plain text).
const settings = readStackSettings(pulumi.getStack(), (key) => config.get(key), engineConfig());

const cache = new ValkeyCache("valkey", {
    ...settings.valkey,
    password: settings.given.valkeyPassword ? config.requireSecret("valkeyPassword") : undefined,
});

const database = settings.postgres
    ? new PostgresDatabase("postgres", {
          ...settings.postgres,
          networkName: cache.networkName,
          password: settings.given.postgresPassword ? config.requireSecret("postgresPassword") : undefined,
      })
    : undefined;

const openWebUI = new OpenWebUI(
    "open-webui",
    {
        ...settings.openWebUI,
        redisUrl: cache.url,
        networkName: cache.networkName,
        redisServerTimeoutSeconds: cache.timeoutSeconds,
        secretKey: settings.given.secretKey ? config.requireSecret("secretKey") : undefined,
        databaseUrl: database ? database.databaseUrl : settings.given.databaseUrl ? config.requireSecret("databaseUrl") : undefined,
    },
    // Open WebUI starts after a healthy Valkey (and PostgreSQL) through these edges, not through the
    // URLs' data: replacing either server then never drags Open WebUI along.
    { dependsOn: database ? [cache, database] : [cache] },
);

/** Where to open Open WebUI. */
export const openWebUIUrl = openWebUI.url;
export const openWebUIContainer = openWebUI.containerName;
export const valkeyContainer = cache.containerName;
export const networkName = cache.networkName;
export const valkeyVolume = cache.volumeName;
export const openWebUIVolume = openWebUI.volumeName;
/** Connection URLs carry the password: secret. */
export const redisUrl = cache.url;
export const websocketRedisUrl = openWebUI.websocketRedisUrl;
/** The stack's PostgreSQL, when it has one; its URL carries the password: secret. */
export const postgresContainer = database?.containerName;
export const postgresVolume = database?.volumeName;
export const databaseUrl = database?.databaseUrl;
