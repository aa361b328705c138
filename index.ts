// The Pulumi program: one ValkeyCache and one OpenWebUI per stack, configured by Pulumi.<stack>.yaml.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, ValkeyCache } from "./components";
import { CONFIG_NAMESPACE, engineConfig, readStackSettings } from "./program/stackConfig";

const config = new pulumi.Config(CONFIG_NAMESPACE);
// The whole configuration is checked here, before any resource is declared: every value, and every
// key set (a mistyped key, a secret stored in plain text).
const settings = readStackSettings(pulumi.getStack(), (key) => config.get(key), engineConfig());

const cache = new ValkeyCache("valkey", {
    ...settings.valkey,
    password: settings.given.valkeyPassword ? config.requireSecret("valkeyPassword") : undefined,
});

const openWebUI = new OpenWebUI("open-webui", {
    ...settings.openWebUI,
    redisUrl: cache.url,
    networkName: cache.networkName,
    redisServerTimeoutSeconds: cache.timeoutSeconds,
    secretKey: settings.given.secretKey ? config.requireSecret("secretKey") : undefined,
    databaseUrl: settings.given.databaseUrl ? config.requireSecret("databaseUrl") : undefined,
    // Open WebUI starts after a healthy Valkey through this edge, not through the URL's data: a
    // replaced Valkey then never drags Open WebUI along.
}, { dependsOn: [cache] });

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
