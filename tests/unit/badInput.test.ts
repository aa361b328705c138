// Every bad input named in the project's brief, each with the setting, the bad value and the fix in
// its message. Stack config is checked by readStackSettings before the program declares anything;
// component arguments by the constructors, before their first child exists.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI } from "../../components/openWebUI";
import { SettingErrors } from "../../components/settingError";
import { ValkeyCache } from "../../components/valkeyCache";
import { ConfigKey, readStackSettings } from "../../program/stackConfig";
import { DeclaredResource, installMocks, settle } from "../helpers/pulumiMocks";

const stackCases: Array<[string, Partial<Record<ConfigKey, string>>, RegExp]> = [
    ["timeout 0 (lockout)", { valkeyTimeoutSeconds: "0" }, /valkeyTimeoutSeconds = 0: with timeout 0 Valkey never closes idle connections.*max number of clients reached.*Fix: use a positive number of seconds/],
    ["negative timeout", { valkeyTimeoutSeconds: "-5" }, /valkeyTimeoutSeconds = -5: .*Fix:/],
    ["maxclients 0", { valkeyMaxclients: "0" }, /valkeyMaxclients = 0: maxclients must be a whole number from 1 to 100000.*Fix:/],
    ["maxclients too large", { valkeyMaxclients: "100001" }, /valkeyMaxclients = 100001: .*Fix:/],
    ["allkeys eviction", { valkeyMaxmemoryPolicy: "allkeys-lru" }, /valkeyMaxmemoryPolicy = "allkeys-lru": .*revoked tokens.*Fix: use noeviction/],
    ["unknown eviction policy", { valkeyMaxmemoryPolicy: "volatile-random" }, /valkeyMaxmemoryPolicy = "volatile-random": .*Fix: use one of noeviction, volatile-ttl, volatile-lru/],
    ["health check not below timeout", { valkeyTimeoutSeconds: "60", redisHealthCheckIntervalSeconds: "60" }, /redisHealthCheckIntervalSeconds = 60: it is not below the server's idle timeout of 60 s.*Fix: set it below 60/],
    ["tokens that never expire (-1)", { openWebUIJwtExpiresIn: "-1" }, /openWebUIJwtExpiresIn = "-1": it means the tokens never expire, and Open WebUI revokes on sign-out only tokens that expire.*Fix: use a duration such as "4w"/],
    ["tokens that never expire (0)", { openWebUIJwtExpiresIn: "0" }, /openWebUIJwtExpiresIn = "0": it means the tokens never expire/],
    ["token lifetime Open WebUI cannot read", { openWebUIJwtExpiresIn: "4 weeks" }, /openWebUIJwtExpiresIn = "4 weeks": it is not a duration Open WebUI reads.*Fix:/],
    ["negative token lifetime", { openWebUIJwtExpiresIn: "-4w" }, /openWebUIJwtExpiresIn = "-4w": it is not a duration Open WebUI reads/],
    ["token lifetime under a minute", { openWebUIJwtExpiresIn: "30s" }, /openWebUIJwtExpiresIn = "30s": tokens would expire less than a minute after sign-in.*Fix:/],
    ["zero workers", { uvicornWorkers: "0" }, /uvicornWorkers = 0: Open WebUI needs at least one worker.*Fix:/],
    ["invalid name prefix", { namePrefix: "my stack" }, /namePrefix = "my stack": Docker names start with a letter or digit.*Fix:/],
    ["prefix that breaks names", { namePrefix: "-dev" }, /namePrefix = "-dev": Docker names/],
    ["invalid Open WebUI port", { openWebUIHostPort: "70000" }, /openWebUIHostPort = 70000: a TCP port is a whole number from 1 to 65535.*Fix:/],
    ["invalid Valkey port", { valkeyHostPort: "-1" }, /valkeyHostPort = -1: a TCP port/],
    ["port used by the other component", { valkeyHostPort: "3000" }, /valkeyHostPort = 3000: Open WebUI already publishes port 3000 on 127.0.0.1.*Fix: choose another port/],
    ["port used, on all interfaces", { valkeyHostPort: "3100", valkeyHostAddress: "0.0.0.0", openWebUIHostPort: "3100" }, /valkeyHostPort = 3100: Open WebUI already publishes port 3100/],
    ["host name instead of address", { openWebUIHostAddress: "localhost" }, /openWebUIHostAddress = "localhost": a published port binds to an IP address.*Fix: use 127.0.0.1/],
    ["extra env overriding a managed one", { openWebUIExtraEnvs: '["REDIS_URL=redis://other:6379/0"]' }, /openWebUIExtraEnvs.REDIS_URL = "\[hidden\]": this component sets that variable itself.*Fix:/],
    ["malformed extra envs", { openWebUIExtraEnvs: '["NOEQUALS"]' }, /openWebUIExtraEnvs = .*not a list of NAME=value strings.*Fix:/],
    ["memory limit without maxmemory", { valkeyMemoryLimitMb: "512" }, /valkeyMaxmemoryMb = \(unset\): with a memory limit of 512 MB and no maxmemory.*Fix: set maxmemoryMb to at most 384/],
    ["maxmemory above the safe share", { valkeyMemoryLimitMb: "512", valkeyMaxmemoryMb: "500" }, /valkeyMaxmemoryMb = 500: it exceeds 75% of the 512 MB memory limit.*Fix: set maxmemoryMb to at most 384, or raise memoryLimitMb to at least 667/],
    ["not a number", { valkeyMaxclients: "lots" }, /valkeyMaxclients = "lots": it is not a whole number.*Fix:/],
    ["not a boolean", { valkeyAuthentication: "yes" }, /valkeyAuthentication = "yes": it is not a boolean.*Fix:/],
    ["password with authentication off", { valkeyAuthentication: "false", valkeyPassword: "pw" }, /valkeyAuthentication = false: a password is given but authentication is turned off.*Fix:/],
    ["prefix with tutorial names", { useTutorialNames: "true", namePrefix: "dev" }, /namePrefix = "dev": it is set together with useTutorialNames.*Fix:/],
    ["database URL that is no URL", { databaseUrl: "db.example.com" }, /databaseUrl = "\[secret\]": it is not a database URL.*Fix:/],
    ["process bound too small", { valkeyMaxProcesses: "4" }, /valkeyMaxProcesses = 4: .*Fix:/],
    ["image Docker would refuse", { valkeyImage: "Valkey/valkey:8.0.1" }, /valkeyImage = "Valkey\/valkey:8.0.1": Docker would refuse this image reference \(.*must be lowercase\).*Fix:/],
    ["image with two tags", { openWebUIImage: "ghcr.io/open-webui/open-webui:v1:v2" }, /openWebUIImage = "ghcr.io\/open-webui\/open-webui:v1:v2": Docker would refuse this image reference.*Fix:/],
    ["several workers on SQLite", { uvicornWorkers: "4" }, /openwebui-valkey:uvicornWorkers = 4: several workers need a shared database.*Fix: give databaseUrl/],
    ["several workers on the local vector store", { uvicornWorkers: "2", databaseUrl: "postgresql://u:p@db:5432/w" }, /uvicornWorkers = 2: the default vector store/],
    ["a database Open WebUI cannot use", { databaseUrl: "mysql://u:p@db:3306/w" }, /databaseUrl = "mysql:\/\/\[secret\]": Open WebUI cannot use a mysql:\/\/ database here/],
    ["pgvector without PostgreSQL", { vectorDb: "pgvector" }, /vectorDb = "pgvector": pgvector keeps its vectors in PostgreSQL/],
    ["the stack's PostgreSQL and a databaseUrl", { postgresEnabled: "true", databaseUrl: "postgresql://u:p@db:5432/w" }, /databaseUrl = "\[secret\]": it is set together with postgresEnabled/],
    ["PostgreSQL memory too small", { postgresEnabled: "true", postgresMemoryLimitMb: "128" }, /postgresMemoryLimitMb = 128: PostgreSQL needs at least 256 MB/],
    ["PostgreSQL port taken by Open WebUI", { postgresEnabled: "true", postgresHostPort: "3000" }, /postgresHostPort = 3000: Open WebUI already publishes port 3000 on 127.0.0.1/],
    ["a PostgreSQL password without PostgreSQL", { postgresPassword: "pw" }, /postgresPassword = "\[secret\]": it is set but postgresEnabled is false/],
    ["open Valkey on every interface", { valkeyAuthentication: "false", valkeyHostPort: "6379", valkeyHostAddress: "0.0.0.0" }, /valkeyHostAddress = "0.0.0.0": Valkey without authentication would answer anyone who reaches 0.0.0.0:6379.*no TLS.*Fix: keep hostAddress 127.0.0.1/],
];

describe("bad stack configuration", () => {
    it.each(stackCases)("%s", (_title, config, message) => {
        const read = (key: ConfigKey) => config[key];
        expect(() => readStackSettings("dev", read)).toThrow(pulumi.RunError);
        expect(() => readStackSettings("dev", read)).toThrow(message);
    });

    it("reports several problems in one message", () => {
        const config: Partial<Record<ConfigKey, string>> = { valkeyTimeoutSeconds: "0", uvicornWorkers: "0" };
        let error: unknown;
        try {
            readStackSettings("dev", (k) => config[k]);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SettingErrors);
        expect((error as SettingErrors).errors.map((e) => e.setting)).toEqual(["openwebui-valkey:valkeyTimeoutSeconds", "openwebui-valkey:uvicornWorkers"]);
    });

    it("never prints a secret value", () => {
        const config: Partial<Record<ConfigKey, string>> = { databaseUrl: "not-a-url-hunter2", openWebUIExtraEnvs: '["WEBUI_SECRET_KEY=hunter2"]' };
        expect(() => readStackSettings("dev", (k) => config[k])).toThrow(/^((?!hunter2)[\s\S])*$/);
    });
});

describe("bad component arguments", () => {
    let declared: DeclaredResource[];
    beforeAll(async () => {
        declared = await installMocks();
    });

    const valkeyCases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["timeout 0", { timeoutSeconds: 0 }, /timeoutSeconds = 0: with timeout 0/],
        ["maxclients out of range", { maxclients: 200000 }, /maxclients = 200000/],
        ["allkeys policy", { maxmemoryPolicy: "allkeys-lfu" }, /maxmemoryPolicy = "allkeys-lfu": an allkeys-\* policy/],
        ["container name", { containerName: "bad/name" }, /containerName = "bad\/name": Docker names/],
        ["network name", { networkName: "" }, /networkName = "": Docker names/],
        ["volume name", { volumeName: "data volume" }, /volumeName = "data volume": Docker names/],
        ["host port", { hostPort: 0 }, /hostPort = 0: a TCP port/],
        ["maxmemory over the limit's share", { memoryLimitMb: 256, maxmemoryMb: 250 }, /maxmemoryMb = 250: it exceeds 75%/],
        ["image reference", { image: "valkey:8.0.1@sha256:abc" }, /image = "valkey:8.0.1@sha256:abc": Docker would refuse this image reference/],
        ["no authentication on a public address", { authentication: false, hostPort: 6390, hostAddress: "192.0.2.10" }, /hostAddress = "192.0.2.10": Valkey without authentication/],
        ["stop grace of 0", { stopGraceSeconds: 0 }, /stopGraceSeconds = 0: the stop grace period is a whole number of seconds from 1 to 3600; without one the provider kills the container at once/],
    ];
    it.each(valkeyCases)("ValkeyCache: %s, before any child exists", (_title, args, message) => {
        const before = declared.length;
        expect(() => new ValkeyCache(`bad-${before}`, args)).toThrow(message);
        return settle().then(() => {
            // The component resource itself is registered by super(); no child may follow it.
            expect(declared.slice(before).filter((r) => !r.type.startsWith("openwebui-valkey:"))).toEqual([]);
        });
    });

    const webCases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["valkey:// URL", { redisUrl: "valkey://:pw@valkey:6379/0" }, /redisUrl = "valkey:\/\/:\*\*\*@valkey:6379\/0": .*redis:\/\/.*vector-database feature/],
        ["other scheme", { redisUrl: "memcached://cache:11211" }, /redisUrl = "memcached:\/\/cache:11211": the scheme "memcached:\/\/"/],
        ["db outside 0-15", { redisUrl: "redis://valkey:6379/42" }, /redisUrl = "redis:\/\/valkey:6379\/42": database index 42 is outside 0-15/],
        ["db other than 0 with Cluster", { redisUrl: "rediss://:pw@cluster:6379/1", redisCluster: true }, /redisUrl = "rediss:\/\/:\*\*\*@cluster:6379\/1": a Redis Cluster .* has database 0 only.*Fix: end the URL with \/0/],
        ["websocket db other than 0 with Cluster", { websocketRedisUrl: "redis://cluster:6379/2", redisCluster: true }, /websocketRedisUrl = .*database 0 only/],
        ["interval not below timeout", { redisServerTimeoutSeconds: 30 }, /redisHealthCheckIntervalSeconds = 60: it is not below the server's idle timeout of 30 s/],
        ["workers < 1", { uvicornWorkers: 0 }, /uvicornWorkers = 0/],
        ["extra env collision", { extraEnvs: { WEBSOCKET_MANAGER: "local" } }, /extraEnvs.WEBSOCKET_MANAGER/],
        ["Cluster with Sentinel", { redisCluster: true, redisSentinelHosts: ["s1"] }, /redisCluster = true: Cluster and Sentinel exclude each other/],
        ["Sentinel host with port", { redisSentinelHosts: ["s1:26379"] }, /redisSentinelHosts = .*is not a host name/],
        ["empty secret key", { secretKey: "" }, /secretKey = "\[secret\]": an empty key/],
        ["image reference", { image: "ghcr.io/open-webui/open-webui:" }, /image = "ghcr.io\/open-webui\/open-webui:": Docker would refuse/],
        ["wait shorter than a first start", { waitTimeoutSeconds: 5 }, /waitTimeoutSeconds = 5: .*first start migrates the database/],
        ["empty command", { command: [] }, /command = \[\]: the command that starts Open WebUI must be a non-empty list/],
        ["secret extra variable that is also public", { extraEnvs: { TOKEN_A: "x" }, extraSecretEnvs: { TOKEN_A: "y" } }, /extraSecretEnvs.TOKEN_A = "\[secret\]": the variable is also in extraEnvs/],
    ];
    it.each(webCases)("OpenWebUI: %s, before any child exists", (_title, args, message) => {
        const before = declared.length;
        expect(() => new OpenWebUI(`bad-web-${before}`, { redisUrl: "redis://:pw@valkey:6379/0", networkName: "net", ...args })).toThrow(message);
        return settle().then(() => {
            expect(declared.slice(before).filter((r) => !r.type.startsWith("openwebui-valkey:"))).toEqual([]);
        });
    });
});
