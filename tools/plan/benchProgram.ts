// A program for the plan benchmark: one ValkeyCache shared by N OpenWebUI instances of one
// deployment (one secret key, one key prefix), built through the same components as index.ts.
import { OpenWebUI, ValkeyCache } from "../../components";

const instances = Number(process.env.BENCH_INSTANCES ?? "1");
const cache = new ValkeyCache("valkey", { containerName: "bench-valkey", networkName: "bench-network", volumeName: "bench-valkey-data" });
let secretKey: OpenWebUI["secretKey"] | undefined;
for (let i = 0; i < instances; i++) {
    const web: OpenWebUI = new OpenWebUI(`open-webui-${i}`, {
        redisUrl: cache.url,
        networkName: cache.networkName,
        redisServerTimeoutSeconds: cache.timeoutSeconds,
        secretKey,
        hostPort: 3000 + i,
        containerName: `bench-open-webui-${i}`,
        volumeName: `bench-open-webui-${i}-data`,
    });
    secretKey = secretKey ?? web.secretKey;
}
export const instanceCount = instances;
