import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, ValkeyCache } from "../../components";
import { MIGRATE_ONCE } from "../../components/openWebUISettings";
import { DeclaredResource, findResource, installMocks, isSecret, resolve, settle, sourceEnvFile } from "../helpers/pulumiMocks";

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
        // The canonical CAP_ form: what a normalizing daemon would report back, so no spelling difference replaces Valkey.
        expect(c.capabilities).toEqual({ drops: ["ALL"], adds: ["CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"] });
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
        expect(c.memorySwap).toBeUndefined();
        // A graceful stop on replacement, destroy and `docker stop`: Valkey's shutdown save needs it.
        expect(c.destroyGraceSeconds).toBe(30);
        expect(c.stopTimeout).toBe(30);
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
        // No swap: equal to the limit, as the daemon then reports it back.
        expect(c.memorySwap).toBe(512);
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
    const publicEnvOf = (name: string): Record<string, string> =>
        Object.fromEntries(
            (findResource(declared, CONTAINER, `${name}-container`).inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
        );
    /** The secrets file as the entrypoint's shell reads it. */
    const secretEnvOf = (name: string): Record<string, string> => {
        const uploads = findResource(declared, CONTAINER, `${name}-container`).inputs.uploads as Array<{ file: string; content: string; permissions: string }>;
        expect(uploads.map((u) => [u.file, u.permissions])).toEqual([["/run/open-webui/secrets.env", "0400"]]);
        return sourceEnvFile(uploads[0].content);
    };
    /** The environment the server sees: the public variables, then what the entrypoint sources. */
    const envOf = (name: string): Record<string, string> => ({ ...publicEnvOf(name), ...secretEnvOf(name) });

    beforeAll(async () => {
        declared = await installMocks();
        cache = new ValkeyCache("valkey", {});
        first = new OpenWebUI("web-a", {
            redisUrl: cache.url,
            networkName: cache.networkName,
            redisServerTimeoutSeconds: cache.timeoutSeconds,
            uvicornWorkers: 4,
            vectorDb: "pgvector",
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
        expect(a.image).toBe("sha256:image-ghcr.io/open-webui/open-webui:v0.12.4");
        expect(a.ports).toEqual([{ internal: 8080, external: 3000, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(findResource(declared, CONTAINER, "web-b-container").inputs.ports).toEqual([{ internal: 8080, external: 3001, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(a.volumes).toEqual([{ volumeName: "web-a-data", containerPath: "/app/backend/data" }]);
        expect(a.networksAdvanced).toEqual([{ name: "valkey-network" }]);
        expect(a.securityOpts).toEqual(["no-new-privileges:true"]);
        expect(a.restart).toBe("unless-stopped");
        expect(a.logDriver).toBe("json-file");
        expect(a.logOpts).toEqual({ "max-size": "1m", "max-file": "1" });
    });

    it("keeps secrets out of envs: they reach the server through an uploaded file its entrypoint sources", () => {
        const a = findResource(declared, CONTAINER, "web-a-container");
        expect(Object.keys(publicEnvOf("web-a")).sort()).toEqual([
            "ENABLE_WEBSOCKET_SUPPORT", "JWT_EXPIRES_IN", "REDIS_HEALTH_CHECK_INTERVAL", "REDIS_KEY_PREFIX", "REDIS_SOCKET_CONNECT_TIMEOUT",
            "REDIS_SOCKET_KEEPALIVE", "UVICORN_WORKERS", "VECTOR_DB", "WEBSOCKET_MANAGER", "WEBSOCKET_REDIS_OPTIONS",
        ]);
        expect(JSON.stringify(a.inputs.envs)).not.toMatch(/generated|postgresql/);
        expect(Object.keys(secretEnvOf("web-a")).sort()).toEqual(["DATABASE_URL", "REDIS_URL", "WEBSOCKET_REDIS_URL", "WEBUI_SECRET_KEY"]);
        expect(a.inputs.entrypoints).toEqual(["sh", "-c", `set -a && . /run/open-webui/secrets.env && set +a && ${MIGRATE_ONCE} && exec "$@"`, "open-webui-entrypoint"]);
        expect(a.inputs.command).toEqual(["bash", "start.sh"]);
    });

    it("waits for a healthy /health, stops gracefully and has no swap beyond a memory limit", async () => {
        const a = findResource(declared, CONTAINER, "web-a-container").inputs;
        expect(a.healthcheck).toEqual({
            tests: ["CMD-SHELL", "curl --silent --fail --max-time 3 http://127.0.0.1:8080/health > /dev/null || exit 1"],
            interval: "5s",
            timeout: "4s",
            startPeriod: "10m0s",
            retries: 3,
        });
        expect([a.wait, a.waitTimeout, a.destroyGraceSeconds, a.stopTimeout]).toEqual([true, 600, 30, 30]);
        expect(a.memory).toBeUndefined();
        new OpenWebUI("bounded", { redisUrl: cache.url, networkName: cache.networkName, memoryLimitMb: 2048, waitTimeoutSeconds: 900, stopGraceSeconds: 45, hostPort: 3009 });
        await settle();
        const b = findResource(declared, CONTAINER, "bounded-container").inputs;
        expect([b.memory, b.memorySwap, b.waitTimeout, b.destroyGraceSeconds, b.stopTimeout]).toEqual([2048, 2048, 900, 45, 45]);
    });

    it("keeps the secret key, the websocket URL and the secrets file secret, and envs readable", async () => {
        expect(findResource(declared, CONTAINER, "web-a-container").secretInputs).toEqual(["uploads"]);
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
        await settle();
        const uploads = findResource(declared, CONTAINER, "special-web-container").inputs.uploads as Array<{ content: string }>;
        expect(sourceEnvFile(uploads[0].content).REDIS_URL).toBe("redis://:g%40n%3Ae%2Fr%3Fa%23t%25e%26d@valkey:6379/0");
    });
});

describe("composable inputs", () => {
    let declared: DeclaredResource[];
    beforeAll(async () => {
        declared = await installMocks("test");
    });

    it("hands an explicit docker.Provider (a remote DOCKER_HOST) to every Docker child of both components", async () => {
        const remote = new docker.Provider("remote", { host: "ssh://deploy@docker-host.example" });
        const cache = new ValkeyCache("far", {}, { providers: { docker: remote } });
        new OpenWebUI("far-web", { redisUrl: cache.url, networkName: cache.networkName }, { providers: { docker: remote }, dependsOn: [cache] });
        await settle();
        const dockerChildren = declared.filter((r) => r.type.startsWith("docker:index/") && /^far/.test(r.name));
        expect(dockerChildren.map((r) => r.name).sort()).toEqual([
            "far-container", "far-data", "far-image", "far-network", "far-web-container", "far-web-data", "far-web-image",
        ]);
        for (const child of dockerChildren) {
            expect({ name: child.name, provider: child.provider }).toEqual({ name: child.name, provider: expect.stringMatching(/::remote::remote-id$/) });
        }
    });

    it("accepts images and existing names from other resources, and secret extra variables only in the secrets file", async () => {
        const image = pulumi.output("docker.io/valkey/valkey:8.0.2-alpine");
        const cache = new ValkeyCache("wired", { image, existingNetworkName: pulumi.output("edge-net"), existingVolumeName: pulumi.output("wired-data") });
        new OpenWebUI("wired-web", {
            redisUrl: cache.url,
            networkName: cache.networkName,
            image: pulumi.output("ghcr.io/open-webui/open-webui:v0.12.4"),
            existingVolumeName: pulumi.output("web-data"),
            extraEnvs: { CORS_ALLOW_ORIGIN: pulumi.output("https://chat.example.com") },
            extraSecretEnvs: { OPENAI_API_KEY: pulumi.secret("sk-test") },
            hostPort: 3010,
        });
        await settle();
        await resolve(cache.url);
        await settle();
        expect(findResource(declared, "docker:index/remoteImage:RemoteImage", "wired-image").inputs.name).toBe("docker.io/valkey/valkey:8.0.2-alpine");
        expect(findResource(declared, CONTAINER, "wired-container").inputs.networksAdvanced).toEqual([{ name: "edge-net", aliases: ["valkey"] }]);
        const web = findResource(declared, CONTAINER, "wired-web-container");
        expect(web.inputs.volumes).toEqual([{ volumeName: "web-data", containerPath: "/app/backend/data" }]);
        expect(web.inputs.envs).toContain("CORS_ALLOW_ORIGIN=https://chat.example.com");
        expect(JSON.stringify(web.inputs.envs)).not.toContain("sk-test");
        expect(sourceEnvFile(web.inputs.uploads[0].content).OPENAI_API_KEY).toBe("sk-test");
        expect(web.secretInputs).toEqual(["uploads"]);
    });
});

describe("container names", () => {
    beforeAll(async () => {
        await installMocks("test");
    });

    it("refuses a second container of the same name on one engine before any of its resources", () => {
        new ValkeyCache("first", { containerName: "shared-name" });
        expect(() => new OpenWebUI("second", { redisUrl: "redis://valkey:6379/0", networkName: "n", containerName: "shared-name", hostPort: 3030 })).toThrow(
            /containerName = "shared-name": ValkeyCache "first" already runs a container of that name on the same Docker engine.*Fix: give one of them another containerName/,
        );
    });

    it("allows the same name on another engine (an explicit docker.Provider)", () => {
        const elsewhere = new docker.Provider("elsewhere", { host: "ssh://deploy@other-host.example" });
        expect(() => new ValkeyCache("third", { containerName: "shared-name" }, { providers: { docker: elsewhere } })).not.toThrow();
    });
});
