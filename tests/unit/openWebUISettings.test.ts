import { SECRET_ENV_NAMES, envList, openWebUIEnv, openWebUIPublicEnv, openWebUISecretEnv, resolveOpenWebUISettings, shellEnvFile } from "../../components/openWebUISettings";
import { sourceEnvFile } from "../helpers/pulumiMocks";

const base = { redisUrl: "redis://:pw@valkey:6379/0", secretKey: "k" };

describe("OpenWebUI environment (pure)", () => {
    const settings = resolveOpenWebUISettings("web", {});

    it("wires app state to db 0 and the websocket manager to db 1 of the same server", () => {
        const env = openWebUIEnv(settings, base);
        expect(env).toMatchObject({
            REDIS_URL: "redis://:pw@valkey:6379/0",
            WEBSOCKET_REDIS_URL: "redis://:pw@valkey:6379/1",
            ENABLE_WEBSOCKET_SUPPORT: "true",
            WEBSOCKET_MANAGER: "redis",
            REDIS_KEY_PREFIX: "open-webui",
            REDIS_HEALTH_CHECK_INTERVAL: "60",
            REDIS_SOCKET_KEEPALIVE: "true",
            REDIS_SOCKET_CONNECT_TIMEOUT: "5",
            WEBUI_SECRET_KEY: "k",
            UVICORN_WORKERS: "1",
            // explicit, so that sign-out has an expiring token to revoke
            JWT_EXPIRES_IN: "4w",
        });
        expect(env.OFFLINE_MODE).toBeUndefined();
        expect(env.REDIS_CLUSTER).toBeUndefined();
        expect(env.DATABASE_URL).toBeUndefined();
    });

    it("sets the token lifetime and offline mode only as asked", () => {
        const env = openWebUIPublicEnv(resolveOpenWebUISettings("web", { jwtExpiresIn: "1h30m", offlineMode: true }));
        expect(env).toMatchObject({ JWT_EXPIRES_IN: "1h30m", OFFLINE_MODE: "true" });
        expect(openWebUIPublicEnv(resolveOpenWebUISettings("web", { offlineMode: false })).OFFLINE_MODE).toBeUndefined();
    });

    it("hands the health check, keepalive and connect timeout to the websocket client", () => {
        const env = openWebUIEnv(resolveOpenWebUISettings("web", { redisHealthCheckIntervalSeconds: 30, redisSocketKeepalive: false }), base);
        expect(JSON.parse(env.WEBSOCKET_REDIS_OPTIONS)).toEqual({ health_check_interval: 30, socket_connect_timeout: 5, socket_keepalive: false });
        expect(env.REDIS_HEALTH_CHECK_INTERVAL).toBe("30");
        expect(env.REDIS_SOCKET_KEEPALIVE).toBe("false");
    });

    it("keeps a given websocket URL and database URL", () => {
        const env = openWebUIEnv(settings, { ...base, websocketRedisUrl: "rediss://u:p@other:6380/3", databaseUrl: "postgresql://u:p@db:5432/webui" });
        expect(env.WEBSOCKET_REDIS_URL).toBe("rediss://u:p@other:6380/3");
        expect(env.DATABASE_URL).toBe("postgresql://u:p@db:5432/webui");
    });

    it("uses the same URL for the websocket manager on a Cluster, and sets both cluster flags", () => {
        const cluster = resolveOpenWebUISettings("web", { redisCluster: true });
        const env = openWebUIEnv(cluster, { ...base, redisUrl: "rediss://default:pw@cluster.example.com:6379/0" });
        expect(env.WEBSOCKET_REDIS_URL).toBe("rediss://default:pw@cluster.example.com:6379/0");
        expect(env.REDIS_CLUSTER).toBe("true");
        expect(env.WEBSOCKET_REDIS_CLUSTER).toBe("true");
    });

    it("passes Sentinel hosts and ports, the websocket set following the app's unless given", () => {
        const env = openWebUIEnv(resolveOpenWebUISettings("web", { redisSentinelHosts: ["s1", "s2"], redisSentinelPort: 26380 }), {
            ...base,
            redisUrl: "redis://:pw@mymaster:6379/0",
        });
        expect(env).toMatchObject({
            REDIS_SENTINEL_HOSTS: "s1,s2",
            REDIS_SENTINEL_PORT: "26380",
            WEBSOCKET_SENTINEL_HOSTS: "s1,s2",
            WEBSOCKET_SENTINEL_PORT: "26380",
            WEBSOCKET_REDIS_URL: "redis://:pw@mymaster:6379/1",
        });
        const own = openWebUIEnv(resolveOpenWebUISettings("web", { redisSentinelHosts: ["s1"], websocketSentinelHosts: ["w1"], websocketSentinelPort: 26381 }), base);
        expect(own).toMatchObject({ REDIS_SENTINEL_HOSTS: "s1", REDIS_SENTINEL_PORT: "26379", WEBSOCKET_SENTINEL_HOSTS: "w1", WEBSOCKET_SENTINEL_PORT: "26381" });
    });

    it("adds extra variables but never lets them override a managed one", () => {
        const settings = resolveOpenWebUISettings("web", { extraEnvs: { CORS_ALLOW_ORIGIN: "https://chat.example.com" } });
        expect(openWebUIPublicEnv(settings, { CORS_ALLOW_ORIGIN: "https://chat.example.com" }).CORS_ALLOW_ORIGIN).toBe("https://chat.example.com");
        expect(openWebUISecretEnv(settings, base, { OPENAI_API_KEY: "sk-x" }).OPENAI_API_KEY).toBe("sk-x");
        expect(() => resolveOpenWebUISettings("web", { extraSecretEnvs: { WEBUI_SECRET_KEY: "x" } })).toThrow(/extraSecretEnvs.WEBUI_SECRET_KEY.*sets that variable itself/);
        expect(() => resolveOpenWebUISettings("web", { extraEnvs: { A_KEY: "1" }, extraSecretEnvs: { A_KEY: "2" } })).toThrow(/extraSecretEnvs.A_KEY.*also in extraEnvs/);
        expect(() => resolveOpenWebUISettings("web", { extraEnvs: { REDIS_URL: "redis://elsewhere:6379/0" } })).toThrow(/extraEnvs.REDIS_URL.*sets that variable itself/);
    });

    it("lists variables sorted by name", () => {
        expect(envList({ B: "2", A: "1=x" })).toEqual(["A=1=x", "B=2"]);
    });

    it("checks the health-check interval against a known server timeout", () => {
        expect(() => openWebUIEnv(settings, { ...base, redisServerTimeoutSeconds: 60 })).toThrow(/redisHealthCheckIntervalSeconds = 60: it is not below the server's idle timeout of 60 s/);
        expect(() => openWebUIEnv(settings, { ...base, redisServerTimeoutSeconds: 61 })).not.toThrow();
    });

    it("writes a secrets file that a POSIX shell reads back byte for byte, whatever the characters", () => {
        const values = { REDIS_URL: "redis://:p'w$\"`x\\@valkey:6379/0", WEBUI_SECRET_KEY: "line1\nline2", DATABASE_URL: "" };
        expect(sourceEnvFile(shellEnvFile(values))).toEqual(values);
    });

    it("puts exactly the secret-bearing variables into the secrets file and none into the public ones", () => {
        const vectors = "postgresql://u:p@vectors:5432/v";
        const settings = resolveOpenWebUISettings("web", { vectorDb: "pgvector", pgvectorDbUrl: vectors });
        const secret = openWebUISecretEnv(settings, { ...base, databaseUrl: "postgresql://u:p@db:5432/webui", pgvectorDbUrl: vectors });
        expect(Object.keys(secret).sort()).toEqual([...SECRET_ENV_NAMES].sort());
        const shown = openWebUIPublicEnv(settings);
        for (const name of SECRET_ENV_NAMES) expect(shown).not.toHaveProperty(name);
    });
});
