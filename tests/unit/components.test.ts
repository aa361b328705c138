import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, ValkeyCache } from "../../components";
import { DeclaredResource, findResource, installMocks, isSecret, resolve, settle } from "../helpers/pulumiMocks";

const CONTAINER = "docker:index/container:Container";

describe("ValkeyCache under mocks", () => {
    let declared: DeclaredResource[];
    let cache: ValkeyCache;
    beforeAll(async () => {
        declared = await installMocks();
        cache = new ValkeyCache("valkey", { containerName: "dev-valkey", networkName: "dev-openwebui-network", volumeName: "dev-valkey-data" });
        await resolve(cache.url);
        await settle();
    });

    it("creates the network, the volume, the image and a password as its children", () => {
        expect(findResource(declared, "docker:index/network:Network", "valkey-network").inputs).toEqual({ name: "dev-openwebui-network" });
        expect(findResource(declared, "docker:index/volume:Volume", "valkey-data").inputs).toEqual({ name: "dev-valkey-data" });
        expect(findResource(declared, "docker:index/remoteImage:RemoteImage", "valkey-image").inputs).toEqual({
            name: "docker.io/valkey/valkey:8.0.1-alpine",
            keepLocally: true,
        });
        expect(findResource(declared, "random:index/randomPassword:RandomPassword", "valkey-password").inputs).toMatchObject({ length: 32, special: false });
    });

    it("gives the container every tutorial setting, hardened, in the form the provider reads back", () => {
        const c = findResource(declared, CONTAINER, "valkey-container").inputs;
        expect(c.name).toBe("dev-valkey");
        expect(c.image).toBe("sha256:image-docker.io/valkey/valkey:8.0.1-alpine");
        expect(c.command).toEqual([
            "sh", "-c", 'exec docker-entrypoint.sh valkey-server "$@" --requirepass "$REDISCLI_AUTH"', "valkey-server",
            "--save", "30", "1", "--maxclients", "10000", "--timeout", "1800",
            "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction", "--tcp-keepalive", "300",
        ]);
        expect(c.envs).toEqual(["REDISCLI_AUTH=generatedvalkeypassword"]);
        // Only the environment holds the password: it is secret, the command stays readable.
        expect(findResource(declared, CONTAINER, "valkey-container").secretInputs).toEqual(["envs"]);
        expect(c.healthcheck).toEqual({ tests: ["CMD-SHELL", `[ "$(valkey-cli ping)" = 'PONG' ]`], interval: "1s", timeout: "3s", startPeriod: "5s", retries: 5 });
        expect(c.capabilities).toEqual({ drops: ["ALL"], adds: ["DAC_OVERRIDE", "SETGID", "SETUID"] });
        expect(c.securityOpts).toEqual(["no-new-privileges:true"]);
        expect(c.readOnly).toBe(true);
        expect(c.ulimits).toEqual([{ name: "nofile", soft: 10032, hard: 10032 }]);
        expect(c.restart).toBe("unless-stopped");
        expect(c.logDriver).toBe("json-file");
        expect(c.logOpts).toEqual({ "max-size": "1m", "max-file": "1" });
        expect(c.volumes).toEqual([{ volumeName: "dev-valkey-data", containerPath: "/data" }]);
        expect(c.networksAdvanced).toEqual([{ name: "dev-openwebui-network", aliases: ["valkey"] }]);
        expect(c.wait).toBe(true);
        expect(c.waitTimeout).toBe(60);
        expect(c.ports).toBeUndefined();
        expect(c.user).toBeUndefined();
        expect(c.memory).toBeUndefined();
    });

    it("outputs a secret URL with the password and the alias, and the names", async () => {
        expect(await resolve(cache.url)).toBe("redis://:generatedvalkeypassword@valkey:6379/0");
        expect(await isSecret(cache.url)).toBe(true);
        expect(await resolve(cache.urlForDb(1))).toBe("redis://:generatedvalkeypassword@valkey:6379/1");
        expect(await isSecret(cache.urlForDb(1))).toBe(true);
        expect(await isSecret(cache.password)).toBe(true);
        expect(await resolve(cache.host)).toBe("valkey");
        expect(await resolve(cache.port)).toBe(6379);
        expect(await resolve(cache.timeoutSeconds)).toBe(1800);
        expect(await resolve(cache.networkName)).toBe("dev-openwebui-network");
        expect(await resolve(cache.volumeName)).toBe("dev-valkey-data");
        expect(await resolve(cache.containerName)).toBe("dev-valkey");
        expect(() => cache.urlForDb(16)).toThrow(/db = 16/);
    });

    it("percent-encodes a user-supplied password with URL-special characters and keeps it secret", async () => {
        const special = "p@ss:w/rd?#%&";
        const own = new ValkeyCache("own", { password: pulumi.secret(special) });
        expect(await resolve(own.url)).toBe("redis://:p%40ss%3Aw%2Frd%3F%23%25%26@valkey:6379/0");
        expect(await isSecret(own.url)).toBe(true);
        await settle();
        expect(findResource(declared, CONTAINER, "own-container").inputs.envs).toEqual([`REDISCLI_AUTH=${special}`]);
        expect(declared.find((r) => r.name === "own-password")).toBeUndefined();
    });

    it("runs as the valkey user with no capability, publishes on 127.0.0.1 when asked, and limits memory", async () => {
        new ValkeyCache("tight", { runAsValkeyUser: true, hostPort: 6380, memoryLimitMb: 512, maxmemoryMb: 384, maxProcesses: 128 });
        await settle();
        const c = findResource(declared, CONTAINER, "tight-container").inputs;
        expect(c.user).toBe("999");
        expect(c.capabilities).toEqual({ drops: ["ALL"] });
        expect(c.ports).toEqual([{ internal: 6379, external: 6380, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(c.memory).toBe(512);
        expect(c.command).toEqual(expect.arrayContaining(["--maxmemory", "384mb"]));
        expect(c.ulimits).toContainEqual({ name: "nproc", soft: 128, hard: 128 });
    });

    it("joins an existing network and volume without creating them", async () => {
        const shared = new ValkeyCache("shared", { existingNetworkName: "openwebui-network", existingVolumeName: "valkey-data" });
        await resolve(shared.url);
        await settle();
        expect(declared.find((r) => r.name === "shared-network")).toBeUndefined();
        expect(declared.find((r) => r.name === "shared-data")).toBeUndefined();
        expect(findResource(declared, CONTAINER, "shared-container").inputs.volumes).toEqual([{ volumeName: "valkey-data", containerPath: "/data" }]);
        expect(await resolve(shared.networkName)).toBe("openwebui-network");
    });

    it("turns authentication off only when told, with a plain command and no password", async () => {
        const open = new ValkeyCache("open", { authentication: false });
        expect(await resolve(open.url)).toBe("redis://valkey:6379/0");
        await settle();
        const c = findResource(declared, CONTAINER, "open-container").inputs;
        expect(c.command[0]).toBe("valkey-server");
        expect(c.envs).toBeUndefined();
        expect(declared.find((r) => r.name === "open-password")).toBeUndefined();
    });
});

describe("OpenWebUI under mocks", () => {
    let declared: DeclaredResource[];
    let cache: ValkeyCache;
    let first: OpenWebUI;
    let second: OpenWebUI;
    const envOf = (name: string): Record<string, string> =>
        Object.fromEntries(
            (findResource(declared, CONTAINER, `${name}-container`).inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
        );

    beforeAll(async () => {
        declared = await installMocks();
        cache = new ValkeyCache("valkey", {});
        first = new OpenWebUI("web-a", {
            redisUrl: cache.url,
            networkName: cache.networkName,
            redisServerTimeoutSeconds: cache.timeoutSeconds,
            uvicornWorkers: 4,
            redisKeyPrefix: "team",
            databaseUrl: pulumi.secret("postgresql://u:p@db:5432/webui"),
        });
        second = new OpenWebUI("web-b", {
            redisUrl: cache.url,
            networkName: cache.networkName,
            secretKey: first.secretKey,
            hostPort: 3001,
            redisKeyPrefix: "team",
            databaseUrl: pulumi.secret("postgresql://u:p@db:5432/webui"),
        });
        await resolve(second.websocketRedisUrl);
        await settle();
    });

    it("wires REDIS_URL to db 0, the websocket manager to db 1, and every Redis setting", () => {
        expect(envOf("web-a")).toMatchObject({
            REDIS_URL: "redis://:generatedvalkeypassword@valkey:6379/0",
            WEBSOCKET_REDIS_URL: "redis://:generatedvalkeypassword@valkey:6379/1",
            ENABLE_WEBSOCKET_SUPPORT: "true",
            WEBSOCKET_MANAGER: "redis",
            REDIS_KEY_PREFIX: "team",
            REDIS_HEALTH_CHECK_INTERVAL: "60",
            REDIS_SOCKET_KEEPALIVE: "true",
            WEBSOCKET_REDIS_OPTIONS: '{"health_check_interval":60,"socket_connect_timeout":5,"socket_keepalive":true}',
            UVICORN_WORKERS: "4",
            DATABASE_URL: "postgresql://u:p@db:5432/webui",
            WEBUI_SECRET_KEY: "generatedwebasecretkey",
        });
    });

    it("shares one secret key between two instances of a deployment", () => {
        expect(envOf("web-b").WEBUI_SECRET_KEY).toBe("generatedwebasecretkey");
        expect(declared.find((r) => r.name === "web-b-secret-key")).toBeUndefined();
    });

    it("publishes port 8080 on 127.0.0.1 at the chosen host port, with data, network, logs and no-new-privileges", () => {
        const a = findResource(declared, CONTAINER, "web-a-container").inputs;
        expect(a.name).toBe("web-a");
        expect(a.image).toBe("sha256:image-ghcr.io/open-webui/open-webui:v0.6.36");
        expect(a.ports).toEqual([{ internal: 8080, external: 3000, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(findResource(declared, CONTAINER, "web-b-container").inputs.ports).toEqual([{ internal: 8080, external: 3001, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(a.volumes).toEqual([{ volumeName: "web-a-data", containerPath: "/app/backend/data" }]);
        expect(a.networksAdvanced).toEqual([{ name: "valkey-network" }]);
        expect(a.securityOpts).toEqual(["no-new-privileges:true"]);
        expect(a.restart).toBe("unless-stopped");
        expect(a.logDriver).toBe("json-file");
        expect(a.logOpts).toEqual({ "max-size": "1m", "max-file": "1" });
    });

    it("keeps the secret key, the websocket URL and the environment secret", async () => {
        expect(findResource(declared, CONTAINER, "web-a-container").secretInputs).toEqual(["envs"]);
        expect(await isSecret(first.secretKey)).toBe(true);
        expect(await isSecret(first.websocketRedisUrl)).toBe(true);
        expect(await resolve(first.url)).toBe("http://127.0.0.1:3000");
    });
});

describe("a generated password with URL-special characters", () => {
    // The component asks for letters and digits only, but should a generator ever hand back
    // anything else, the URL still carries it percent-encoded and redis-py decodes it back.
    const generated = "g@n:e/r?a#t%e&d";
    let declared: DeclaredResource[];
    beforeAll(async () => {
        declared = await installMocks("test", { generatedPassword: generated });
    });

    it("survives inside the URL and reaches the server unchanged", async () => {
        const cache = new ValkeyCache("special", {});
        expect(await resolve(cache.url)).toBe("redis://:g%40n%3Ae%2Fr%3Fa%23t%25e%26d@valkey:6379/0");
        await settle();
        expect(findResource(declared, CONTAINER, "special-container").inputs.envs).toEqual([`REDISCLI_AUTH=${generated}`]);
        const web = new OpenWebUI("special-web", { redisUrl: cache.url, networkName: cache.networkName });
        expect(await resolve(web.websocketRedisUrl)).toBe("redis://:g%40n%3Ae%2Fr%3Fa%23t%25e%26d@valkey:6379/1");
    });
});
