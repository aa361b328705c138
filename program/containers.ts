// The stack on one Docker host: a ValkeyCache, an OpenWebUI and, where the stack enables it, a
// PostgresDatabase, as containers.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, PostgresDatabase, ValkeyCache } from "../components";
import type { StackSettings } from "./stackConfig";

export function deployContainers(settings: StackSettings, config: pulumi.Config) {
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

    return {
        openWebUIUrl: openWebUI.url,
        openWebUIContainer: openWebUI.containerName,
        valkeyContainer: cache.containerName,
        networkName: cache.networkName,
        valkeyVolume: cache.volumeName,
        openWebUIVolume: openWebUI.volumeName,
        redisUrl: cache.url,
        websocketRedisUrl: openWebUI.websocketRedisUrl,
        postgresContainer: database?.containerName,
        postgresVolume: database?.volumeName,
        databaseUrl: database?.databaseUrl,
    };
}
