// Every bad input named in the project's brief, each with the setting, the bad value and the fix in
// its message. Stack config is checked by readStackSettings before the program declares anything;
// component arguments by the constructors, before their first child exists.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI } from "../../components/openWebUI";
import { SettingError, SettingErrors } from "../../components/settingError";
import { SwarmOpenWebUI } from "../../components/swarmOpenWebUI";
import { SwarmValkeyCache } from "../../components/swarmValkeyCache";
import { ValkeyCache } from "../../components/valkeyCache";
import { ConfigKey, fullKey, readStackSettings } from "../../program/stackConfig";
import { SwarmState, SwarmWants, checkSwarm } from "../../program/swarmPreflight";
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

// Swarm stacks (orchestrator swarm) and docker stacks given Swarm keys. Each problem is one error
// (a key both Swarm components check is reported once), naming the key, the value and the fix.
const swarmStackCases: Array<[string, Partial<Record<ConfigKey, string>>, RegExp]> = [
    ["no replicas", { orchestrator: "swarm", openWebUIReplicas: "0" }, /^openwebui-valkey:openWebUIReplicas = 0: replicas is a whole number from 1 to 100; 0 would leave the service with nothing running\. Fix: use 1, or 2 and more with a shared database\.$/],
    ["more replicas than the form allows", { orchestrator: "swarm", openWebUIReplicas: "101", postgresEnabled: "true" }, /^openwebui-valkey:openWebUIReplicas = 101: replicas is a whole number from 1 to 100.*Fix:/],
    ["replicas that are no number", { orchestrator: "swarm", openWebUIReplicas: "two" }, /^openwebui-valkey:openWebUIReplicas = "two": it is not a whole number\. Fix: pulumi config set openWebUIReplicas <number>\.$/],
    ["several replicas on SQLite", { orchestrator: "swarm", openWebUIReplicas: "2" }, /^openwebui-valkey:openWebUIReplicas = 2: several replicas need a shared database: without databaseUrl each replica keeps its own SQLite file on its own node.*Fix: give databaseUrl \(e\.g\. a PostgresDatabase's databaseUrl\), or use 1 replica\.$/],
    ["several replicas on the default Chroma", { orchestrator: "swarm", openWebUIReplicas: "2", databaseUrl: "postgresql://u:p@db:5432/w" }, /^openwebui-valkey:openWebUIReplicas = 2: the default vector store is a Chroma inside each replica's data volume.*Fix: set vectorDb to "pgvector".*or use 1 replica\.$/],
    ["several replicas on an explicit Chroma", { orchestrator: "swarm", openWebUIReplicas: "3", databaseUrl: "postgresql://u:p@db:5432/w", vectorDb: "chroma" }, /^openwebui-valkey:openWebUIReplicas = 3: the default vector store is a Chroma/],
    ["dnsrr with the routing mesh (the default publishing)", { orchestrator: "swarm", swarmEndpointMode: "dnsrr" }, /^openwebui-valkey:swarmPublishMode = "ingress": Docker refuses a port published through the routing mesh on a dnsrr service.*Fix: set publishMode to host, or endpointMode to vip\.$/],
    ["dnsrr with ingress given", { orchestrator: "swarm", swarmEndpointMode: "dnsrr", swarmPublishMode: "ingress" }, /^openwebui-valkey:swarmPublishMode = "ingress": Docker refuses/],
    ["unknown endpoint mode", { orchestrator: "swarm", swarmEndpointMode: "round-robin" }, /^openwebui-valkey:swarmEndpointMode = "round-robin": Swarm knows two endpoint modes\. Fix: use vip \(the default: one virtual IP\) or dnsrr \(DNS round robin, for kernels without IPVS\)\.$/],
    ["unknown publish mode", { orchestrator: "swarm", swarmPublishMode: "mesh" }, /^openwebui-valkey:swarmPublishMode = "mesh": Swarm publishes a port in one of two modes\. Fix: use ingress .* or host .*\.$/],
    ["unknown update order", { orchestrator: "swarm", openWebUIUpdateOrder: "rolling" }, /^openwebui-valkey:openWebUIUpdateOrder = "rolling": .*Fix: use stop-first or start-first\.$/],
    ["unknown storage provider", { orchestrator: "swarm", openWebUIStorageProvider: "nfs" }, /^openwebui-valkey:openWebUIStorageProvider = "nfs": Open WebUI stores uploads with one of its storage providers\. Fix: use local, s3, gcs, azure\.$/],
    ["s3 without a bucket", { orchestrator: "swarm", openWebUIStorageProvider: "s3" }, /^openwebui-valkey:openWebUIStorageEnvs = \[\]: storage provider s3 needs S3_BUCKET_NAME\. Fix: add S3_BUCKET_NAME=<value> to storageEnvs\.$/],
    ["s3 with an endpoint but no bucket", { orchestrator: "swarm", openWebUIStorageProvider: "s3", openWebUIStorageEnvs: '["S3_ENDPOINT_URL=https://s3.example.com"]' }, /^openwebui-valkey:openWebUIStorageEnvs = \["S3_ENDPOINT_URL"\]: storage provider s3 needs S3_BUCKET_NAME\. Fix: add S3_BUCKET_NAME=<value>/],
    ["azure without its two variables", { orchestrator: "swarm", openWebUIStorageProvider: "azure" }, /^openwebui-valkey:openWebUIStorageEnvs = \[\]: storage provider azure needs AZURE_STORAGE_ENDPOINT and AZURE_STORAGE_CONTAINER_NAME\. Fix: add AZURE_STORAGE_ENDPOINT=<value>, AZURE_STORAGE_CONTAINER_NAME=<value> to storageEnvs\.$/],
    ["a storage variable in extraEnvs", { orchestrator: "swarm", openWebUIExtraEnvs: '["S3_BUCKET_NAME=uploads"]' }, /^openwebui-valkey:openWebUIExtraEnvs = "S3_BUCKET_NAME": storage variables are managed with storageProvider\. Fix: give them in storageEnvs \(or storageSecretEnvs for keys\)\.$/],
    ["another variable in storageEnvs", { orchestrator: "swarm", openWebUIStorageEnvs: '["CORS_ALLOW_ORIGIN=*"]' }, /^openwebui-valkey:openWebUIStorageEnvs = "CORS_ALLOW_ORIGIN": it is not a storage variable of Open WebUI\. Fix: give storage variables only .*other variables go to extraEnvs/],
    ["malformed storageEnvs", { orchestrator: "swarm", openWebUIStorageEnvs: '["S3_BUCKET_NAME"]' }, /^openwebui-valkey:openWebUIStorageEnvs = .*it is not a list of NAME=value strings\. Fix: pulumi config set --path 'openWebUIStorageEnvs\[0\]' S3_BUCKET_NAME=uploads\.$/],
    ["a placement label Docker cannot hold", { orchestrator: "swarm", valkeyPlacementLabel: "Valkey Node" }, /^openwebui-valkey:valkeyPlacementLabel = "Valkey Node": a node label key is lowercase letters, digits.*Fix: choose a key such as openwebui-valkey\.valkey, and label the node with docker node update --label-add <key>=true <node>\.$/],
    ["negative replicas per node", { orchestrator: "swarm", openWebUIMaxReplicasPerNode: "-1" }, /^openwebui-valkey:openWebUIMaxReplicasPerNode = -1: the most replicas on one node is a whole number, 0 for no limit\. Fix:/],
    ["a process bound on a swarm", { orchestrator: "swarm", valkeyMaxProcesses: "256" }, /^openwebui-valkey:valkeyMaxProcesses = "256": it has no effect with orchestrator swarm: a service spec has no ulimits.*Fix: pulumi config rm valkeyMaxProcesses\.$/],
    ["a Valkey host port on a swarm", { orchestrator: "swarm", valkeyHostPort: "6379" }, /^openwebui-valkey:valkeyHostPort = "6379": it has no effect with orchestrator swarm: the Swarm Valkey is reached over the overlay network only\. Fix: pulumi config rm valkeyHostPort\.$/],
    ["a Valkey host address on a swarm", { orchestrator: "swarm", valkeyHostAddress: "0.0.0.0" }, /^openwebui-valkey:valkeyHostAddress = "0.0.0.0": it has no effect with orchestrator swarm.*Fix: pulumi config rm valkeyHostAddress\.$/],
    ["an Open WebUI host address on a swarm", { orchestrator: "swarm", openWebUIHostAddress: "0.0.0.0" }, /^openwebui-valkey:openWebUIHostAddress = "0.0.0.0": it has no effect with orchestrator swarm: a Swarm port binds every address of a node.*Fix: pulumi config rm openWebUIHostAddress\.$/],
    ["replicas on a docker stack", { openWebUIReplicas: "2" }, /^openwebui-valkey:openWebUIReplicas = "2": it applies to Swarm services only, and this stack deploys containers\. Fix: pulumi config rm openWebUIReplicas, or pulumi config set orchestrator swarm\.$/],
    ["an endpoint mode on an explicit docker stack", { orchestrator: "docker", swarmEndpointMode: "dnsrr" }, /^openwebui-valkey:swarmEndpointMode = "dnsrr": it applies to Swarm services only.*Fix: pulumi config rm swarmEndpointMode, or pulumi config set orchestrator swarm\.$/],
    ["a placement label on a docker stack", { valkeyPlacementLabel: "cache.node" }, /^openwebui-valkey:valkeyPlacementLabel = "cache\.node": it applies to Swarm services only/],
    ["a storage provider on a docker stack", { openWebUIStorageProvider: "s3" }, /^openwebui-valkey:openWebUIStorageProvider = "s3": it applies to Swarm services only/],
    ["storage variables on a docker stack", { openWebUIStorageEnvs: '["S3_BUCKET_NAME=uploads"]' }, /^openwebui-valkey:openWebUIStorageEnvs = .*it applies to Swarm services only/],
    ["an update order on a docker stack", { openWebUIUpdateOrder: "stop-first" }, /^openwebui-valkey:openWebUIUpdateOrder = "stop-first": it applies to Swarm services only/],
    ["a storage credential in the plain storage variables", { orchestrator: "swarm", openWebUIReplicas: "1", openWebUIStorageProvider: "s3", openWebUIStorageEnvs: '["S3_BUCKET_NAME=uploads","S3_SECRET_ACCESS_KEY=abc"]' }, /openWebUIStorageEnvs = "S3_SECRET_ACCESS_KEY": it is a credential, and storageEnvs go to the service spec.*Fix: give it in storageSecretEnvs/],
    ["the preflight turned off on a docker stack", { swarmPreflight: "false" }, /^openwebui-valkey:swarmPreflight = "false": it applies to Swarm services only/],
    ["an unknown orchestrator", { orchestrator: "kubernetes" }, /^openwebui-valkey:orchestrator = "kubernetes": the program deploys containers on one Docker host or services on a Swarm\. Fix: pulumi config set orchestrator docker \(or swarm\)\.$/],
];

describe("bad Swarm stack configuration", () => {
    it.each(swarmStackCases)("%s", (_title, config, message) => {
        let error: unknown;
        try {
            readStackSettings("swarm", (key) => config[key]);
        } catch (e) {
            error = e;
        }
        // One problem, one error: not a list repeating it.
        expect(error).toBeInstanceOf(SettingError);
        expect((error as Error).message).toMatch(message);
    });

    it("reports several Swarm problems in one message, each once", () => {
        const config: Partial<Record<ConfigKey, string>> = { orchestrator: "swarm", swarmEndpointMode: "round-robin", openWebUIReplicas: "0", openWebUIStorageProvider: "nfs" };
        let error: unknown;
        try {
            readStackSettings("swarm", (k) => config[k]);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SettingErrors);
        expect((error as SettingErrors).errors.map((e) => e.setting).sort()).toEqual(
            ["swarmEndpointMode", "openWebUIReplicas", "openWebUIStorageProvider"].map((k) => fullKey(k as ConfigKey)).sort(),
        );
        expect((error as Error).message).toMatch(/^3 settings are invalid:/);
    });

    it("accepts the same Swarm settings a stack file may hold", () => {
        const config: Partial<Record<ConfigKey, string>> = {
            orchestrator: "swarm",
            swarmEndpointMode: "dnsrr",
            swarmPublishMode: "host",
            openWebUIReplicas: "2",
            openWebUIMaxReplicasPerNode: "0",
            postgresEnabled: "true",
            openWebUIStorageProvider: "s3",
            openWebUIStorageEnvs: '["S3_BUCKET_NAME=uploads","S3_ENDPOINT_URL=https://s3.example.com"]',
            valkeyPlacementLabel: "cache.node",
        };
        expect(readStackSettings("swarm", (k) => config[k]).swarm).toEqual({
            endpointMode: "dnsrr",
            publishMode: "host",
            placementLabel: "cache.node",
            replicas: 2,
            maxReplicasPerNode: 0,
            updateOrder: undefined,
            storageProvider: "s3",
            storageEnvs: { S3_BUCKET_NAME: "uploads", S3_ENDPOINT_URL: "https://s3.example.com" },
            preflight: true,
        });
    });
});

describe("bad Swarm component arguments", () => {
    let declared: DeclaredResource[];
    beforeAll(async () => {
        declared = await installMocks();
    });
    const noChildSince = async (before: number) => {
        await settle();
        expect(declared.slice(before).filter((r) => !r.type.startsWith("openwebui-valkey:"))).toEqual([]);
    };

    const valkeyCases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["placement label", { placementLabel: "node.labels.x==true" }, /^placementLabel = "node\.labels\.x==true": a node label key is lowercase.*Fix: choose a key such as openwebui-valkey\.valkey/],
        ["endpoint mode", { endpointMode: "ipvs" }, /^endpointMode = "ipvs": Swarm knows two endpoint modes\. Fix: use vip/],
        ["a shared setting (timeout 0)", { timeoutSeconds: 0 }, /^timeoutSeconds = 0: with timeout 0 Valkey never closes idle connections/],
        ["service name", { serviceName: "bad/name" }, /^containerName = "bad\/name": Docker names/],
    ];
    it.each(valkeyCases)("SwarmValkeyCache: %s, before any child exists", async (_title, args, message) => {
        const before = declared.length;
        expect(() => new SwarmValkeyCache(`bad-swarm-valkey-${before}`, args)).toThrow(message);
        await noChildSince(before);
    });

    const webCases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["no replicas", { replicas: 0 }, /^replicas = 0: replicas is a whole number from 1 to 100/],
        ["replicas without a database", { replicas: 2 }, /^replicas = 2: several replicas need a shared database.*Fix: give databaseUrl/],
        ["replicas on Chroma", { replicas: 2, databaseUrl: "postgresql://u:p@db:5432/w" }, /^replicas = 2: the default vector store is a Chroma/],
        ["dnsrr with ingress", { endpointMode: "dnsrr" }, /^publishMode = "ingress": Docker refuses a port published through the routing mesh on a dnsrr service.*Fix: set publishMode to host, or endpointMode to vip/],
        ["unknown publish mode", { publishMode: "global" }, /^publishMode = "global": Swarm publishes a port in one of two modes/],
        ["unknown update order", { updateOrder: "parallel" }, /^updateOrder = "parallel": .*Fix: use stop-first or start-first/],
        ["unknown storage provider", { storageProvider: "ftp" }, /^storageProvider = "ftp": .*Fix: use local, s3, gcs, azure/],
        ["gcs without a bucket", { storageProvider: "gcs" }, /^storageEnvs = \[\]: storage provider gcs needs GCS_BUCKET_NAME\. Fix: add GCS_BUCKET_NAME=<value> to storageEnvs/],
        ["s3 bucket given only as a secret is enough, but a secret non-storage variable is not", { storageProvider: "s3", storageSecretEnvs: { S3_BUCKET_NAME: "b", OPENAI_API_KEY: "k" } }, /^storageEnvs = "OPENAI_API_KEY": it is not a storage variable/],
        ["a storage variable among the secret extras", { extraSecretEnvs: { S3_SECRET_ACCESS_KEY: "k" } }, /^extraEnvs = "S3_SECRET_ACCESS_KEY": storage variables are managed with storageProvider\. Fix: give them in storageEnvs \(or storageSecretEnvs for keys\)/],
        ["driver options without a driver", { dataVolumeDriverOptions: { type: "nfs" } }, /^dataVolumeDriverOptions = \{"type":"nfs"\}: driver options are given without a driver\. Fix: set dataVolumeDriver/],
        ["replicas per node out of range", { maxReplicasPerNode: 101 }, /^maxReplicasPerNode = 101: the most replicas on one node/],
        ["a shared setting (workers 0)", { uvicornWorkers: 0 }, /^uvicornWorkers = 0: Open WebUI needs at least one worker/],
        ["a Redis URL of another scheme", { redisUrl: "memcached://cache:11211" }, /^redisUrl = "memcached:\/\/cache:11211": the scheme "memcached:\/\/"/],
    ];
    it.each(webCases)("SwarmOpenWebUI: %s, before any child exists", async (_title, args, message) => {
        const before = declared.length;
        expect(() => new SwarmOpenWebUI(`bad-swarm-web-${before}`, { redisUrl: "redis://:pw@valkey:6379/0", networkId: "net-id", ...args })).toThrow(message);
        await noChildSince(before);
    });
});

// program/swarmPreflight.ts: the swarm as `docker node/service inspect` report it, against what the
// stack asks, before any resource is declared.
describe("checkSwarm", () => {
    const LABEL = "openwebui-valkey.valkey";
    const node = (id: string, labels: Record<string, string> = {}, availability = "active", state = "ready") => ({ id, hostname: `host-${id}`, labels, availability, state });
    const swarm = (change: Partial<SwarmState> = {}): SwarmState => ({
        isManager: true,
        nodes: [node("m1aaaaaaaaaaaaaaaa", { [LABEL]: "true" }), node("w1bbbbbbbbbbbbbbbb"), node("w2cccccccccccccccc")],
        services: [{ name: "swarm-open-webui", ports: [{ publishedPort: 3000, publishMode: "ingress" }] }],
        managerContainerPorts: [],
        ...change,
    });
    const wants = (change: Partial<SwarmWants> = {}): SwarmWants => ({
        valkeyPlacementLabel: LABEL,
        publishedPort: 3000,
        publishMode: "ingress",
        replicas: 2,
        maxReplicasPerNode: 1,
        ownServices: ["swarm-valkey", "swarm-open-webui"],
        ...change,
    });
    // The program's naming: config keys in the stack's namespace, docker:host as it is.
    const key = (name: string) => (name.includes(":") ? name : fullKey(name as ConfigKey));
    const check = (state: SwarmState, want: SwarmWants) => () => checkSwarm(state, want, key);

    it("passes a swarm with one labelled node, enough usable nodes and the port free (its own service's port is no clash)", () => {
        expect(check(swarm(), wants())).not.toThrow();
        expect(check(swarm(), wants({ replicas: 5, maxReplicasPerNode: 2 }))).not.toThrow();
        expect(check(swarm(), wants({ replicas: 50, maxReplicasPerNode: 0 }))).not.toThrow();
        // Every slot taken is fine when updates stop the old task first (given, or by default with host publishing).
        expect(check(swarm(), wants({ replicas: 3, updateOrder: "stop-first" }))).not.toThrow();
        expect(check(swarm(), wants({ replicas: 6, maxReplicasPerNode: 2, publishMode: "host" }))).not.toThrow();
        expect(check(swarm(), wants({ replicas: 2, updateOrder: "start-first" }))).not.toThrow();
    });

    const cases: Array<[string, SwarmState, SwarmWants, RegExp]> = [
        [
            "a placement label no node has",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa"), node("w1bbbbbbbbbbbbbbbb"), node("w2cccccccccccccccc")] }),
            wants(),
            /^openwebui-valkey:valkeyPlacementLabel = "openwebui-valkey\.valkey": no node carries openwebui-valkey\.valkey=true, so Valkey \(constraint node\.labels\.openwebui-valkey\.valkey==true\) would wait forever for a node\. Fix: label the node that keeps Valkey's data: docker node update --label-add openwebui-valkey\.valkey=true <node> \(nodes: m1aaaaaaaaaa, w1bbbbbbbbbb, w2cccccccccc\)\.$/,
        ],
        [
            "the label with another value than true (the constraint wants ==true)",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa", { [LABEL]: "yes" }), node("w1bbbbbbbbbbbbbbbb"), node("w2cccccccccccccccc")] }),
            wants(),
            /^openwebui-valkey:valkeyPlacementLabel = "openwebui-valkey\.valkey": no node carries openwebui-valkey\.valkey=true.*docker node update --label-add openwebui-valkey\.valkey=true <node>/,
        ],
        [
            "another label than the one asked for",
            swarm(),
            wants({ valkeyPlacementLabel: "cache.node" }),
            /^openwebui-valkey:valkeyPlacementLabel = "cache\.node": no node carries cache\.node=true.*Fix: .*docker node update --label-add cache\.node=true <node>/,
        ],
        [
            "two labelled nodes",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa", { [LABEL]: "true" }), node("w1bbbbbbbbbbbbbbbb", { [LABEL]: "true" }), node("w2cccccccccccccccc")] }),
            wants(),
            /^openwebui-valkey:valkeyPlacementLabel = "openwebui-valkey\.valkey": 2 nodes carry openwebui-valkey\.valkey=true \(m1aaaaaaaaaa, w1bbbbbbbbbb\), and each has its own volume: a rescheduled Valkey would start empty on another\. Fix: keep the label on one node: docker node update --label-rm openwebui-valkey\.valkey <node>\.$/,
        ],
        [
            "the one labelled node drained (Valkey could not start anywhere)",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa"), node("w1bbbbbbbbbbbbbbbb", { [LABEL]: "true" }, "drain"), node("w2cccccccccccccccc")] }),
            wants({ replicas: 1 }),
            /^openwebui-valkey:valkeyPlacementLabel = "openwebui-valkey\.valkey": the one node labelled openwebui-valkey\.valkey=true \(w1bbbbbbbbbb\) is drain, so Valkey cannot start there\. Fix: bring it back \(docker node update --availability active w1bbbbbbbbbb\), or move the label and Valkey's data to another node\.$/,
        ],
        [
            "the one labelled node down",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa"), node("w1bbbbbbbbbbbbbbbb", { [LABEL]: "true" }, "active", "down"), node("w2cccccccccccccccc")] }),
            wants({ replicas: 1 }),
            /^openwebui-valkey:valkeyPlacementLabel = "openwebui-valkey\.valkey": the one node labelled openwebui-valkey\.valkey=true \(w1bbbbbbbbbb\) is down, so Valkey cannot start there\./,
        ],
        [
            "more replicas than usable nodes (a drained node does not count)",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa", { [LABEL]: "true" }), node("w1bbbbbbbbbbbbbbbb"), node("w2cccccccccccccccc", {}, "drain")] }),
            wants({ replicas: 3 }),
            /^openwebui-valkey:openWebUIReplicas = 3: with at most 1 per node, 3 replicas need 3 usable nodes and the swarm has 2\. Fix: lower the replicas, raise openWebUIMaxReplicasPerNode, or add nodes\.$/,
        ],
        [
            "more replicas than usable nodes (a down or paused node does not count)",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa", { [LABEL]: "true" }), node("w1bbbbbbbbbbbbbbbb", {}, "active", "down"), node("w2cccccccccccccccc", {}, "pause")] }),
            wants({ replicas: 2 }),
            /^openwebui-valkey:openWebUIReplicas = 2: with at most 1 per node, 2 replicas need 2 usable nodes and the swarm has 1\./,
        ],
        [
            "more replicas than two per node allow",
            swarm(),
            wants({ replicas: 7, maxReplicasPerNode: 2 }),
            /^openwebui-valkey:openWebUIReplicas = 7: with at most 2 per node, 7 replicas need 4 usable nodes and the swarm has 3\./,
        ],
        [
            "start-first updates (the default with the routing mesh) when the replicas fill every node (the new task would find no node)",
            swarm(),
            wants({ replicas: 3 }),
            /^openwebui-valkey:openWebUIUpdateOrder = "start-first": a start-first update starts each new task beside the old one, and 3 replicas, at most 1 per node, fill all 3 usable nodes: Swarm would find no node for it and every update that keeps the image would wait forever\. Fix: pulumi config set openWebUIUpdateOrder stop-first, or set openWebUIMaxReplicasPerNode 0, or add a node\.$/,
        ],
        [
            "start-first updates of one replica on a single-node swarm",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa", { [LABEL]: "true" })] }),
            wants({ replicas: 1 }),
            /^openwebui-valkey:openWebUIUpdateOrder = "start-first": .*1 replicas, at most 1 per node, fill all 1 usable nodes/,
        ],
        [
            "start-first given with host publishing and two per node on full nodes",
            swarm({ nodes: [node("m1aaaaaaaaaaaaaaaa", { [LABEL]: "true" }), node("w1bbbbbbbbbbbbbbbb")] }),
            wants({ replicas: 4, maxReplicasPerNode: 2, publishMode: "host", updateOrder: "start-first" }),
            /^openwebui-valkey:openWebUIUpdateOrder = "start-first": .*4 replicas, at most 2 per node, fill all 2 usable nodes/,
        ],
        [
            "a port another service publishes",
            swarm({ services: [{ name: "grafana", ports: [{ publishedPort: 3000, publishMode: "ingress" }] }] }),
            wants(),
            /^openwebui-valkey:openWebUIHostPort = 3000: service grafana already publishes port 3000 on the swarm\. Fix: choose another port\.$/,
        ],
        [
            "a port another service publishes in host mode",
            swarm({ services: [{ name: "edge", ports: [{ publishedPort: 8443, publishMode: "host" }, { publishedPort: 3000, publishMode: "host" }] }] }),
            wants({ publishMode: "host" }),
            /^openwebui-valkey:openWebUIHostPort = 3000: service edge already publishes port 3000/,
        ],
        [
            "a host-mode port a container on the manager publishes",
            swarm({ managerContainerPorts: [5432, 3000] }),
            wants({ publishMode: "host" }),
            /^openwebui-valkey:openWebUIHostPort = 3000: a container on the manager already publishes port 3000, so no replica could start there\. Fix: choose another port, or constrain Open WebUI off the manager\.$/,
        ],
        [
            "an engine that is no manager",
            { isManager: false, nodes: [], services: [], managerContainerPorts: [] },
            wants(),
            /^docker:host = "\(the provider's engine\)": it is not a Swarm manager, and services can be created only through a manager\. Fix: point DOCKER_HOST \(or docker:host\) at a manager, or run docker swarm init there\.$/,
        ],
    ];
    it.each(cases)("refuses %s", (_title, state, want, message) => {
        let error: unknown;
        try {
            checkSwarm(state, want, key);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SettingError);
        expect((error as Error).message).toMatch(message);
    });

    it("reports several problems at once", () => {
        const state = swarm({
            nodes: [node("m1aaaaaaaaaaaaaaaa"), node("w1bbbbbbbbbbbbbbbb", {}, "drain")],
            services: [{ name: "grafana", ports: [{ publishedPort: 3000, publishMode: "ingress" }] }],
        });
        let error: unknown;
        try {
            checkSwarm(state, wants({ replicas: 2 }), key);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SettingErrors);
        expect((error as SettingErrors).errors.map((e) => e.setting)).toEqual([fullKey("valkeyPlacementLabel"), fullKey("openWebUIReplicas"), fullKey("openWebUIHostPort")]);
        expect((error as Error).message).toMatch(/^3 settings are invalid:\n {2}- .*--label-add.*\n {2}- .*2 replicas need 2 usable nodes and the swarm has 1.*\n {2}- .*service grafana already publishes port 3000/);
    });
});
