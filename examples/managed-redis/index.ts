// Open WebUI against an external managed Redis-protocol service instead of a ValkeyCache: TLS
// (rediss://) and database 0 only, as many managed services offer.
//   - The websocket manager's URL is given explicitly as the same db-0 URL: left unset, it would be
//     the app URL with database 1, which such a service refuses.
//   - redisCluster stays false unless the endpoint really is a Redis Cluster: a Cluster client
//     cannot talk to a plain primary. (With redisCluster the component also insists on db 0.)
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI } from "openwebui-valkey";

const config = new pulumi.Config();
// Secret: the URL carries the service's password.
const redisUrl = config.requireSecret("redisUrl");
const serverTimeout = config.getNumber("redisServerTimeoutSeconds") ?? 0;

// No ValkeyCache, so no network comes with it: Open WebUI gets one of its own.
const network = new docker.Network("open-webui-network", { name: "open-webui-managed" });

const webui = new OpenWebUI("open-webui", {
    redisUrl,
    websocketRedisUrl: redisUrl,
    redisCluster: config.getBoolean("redisCluster") ?? false,
    redisServerTimeoutSeconds: serverTimeout > 0 ? serverTimeout : undefined,
    networkName: network.name,
    hostPort: config.getNumber("hostPort") ?? 3000,
});

export const url = webui.url;
export const container = webui.containerName;
