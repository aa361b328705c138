// The Pulumi program: one ValkeyCache and one OpenWebUI per stack, configured by Pulumi.<stack>.yaml.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, ValkeyCache } from "./components";
import { CONFIG_NAMESPACE, readStackSettings } from "./program/stackConfig";

const config = new pulumi.Config(CONFIG_NAMESPACE);
// The whole configuration is checked here, before any resource is declared.
const settings = readStackSettings(pulumi.getStack(), (key) => config.get(key));

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
});

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
