// SwarmOpenWebUI under Pulumi's mocks: the same environment as the container flavour (plus the
// storage provider's), every secret in one Docker secret file that the entrypoint (a Docker config,
// run here for real) sources, replicas spread one per node, health-gated rollouts, and a new image
// replacing the service delete-first.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { OPEN_WEBUI_DEFAULTS, openWebUIHealthcheck, openWebUIPublicEnv, resolveOpenWebUISettings } from "../../components/openWebUISettings";
import { SettingErrors } from "../../components/settingError";
import { SwarmOpenWebUI } from "../../components/swarmOpenWebUI";
import {
    MIGRATION_LOCK_KEY,
    SWARM_ENTRYPOINT_FILE,
    SWARM_SECRET_ENV_FILE_NAME,
    resolveSwarmOpenWebUISettings,
    swarmEntrypointScript,
} from "../../components/swarmOpenWebUISettings";
import { SWARM_DEFAULTS, versionedName } from "../../components/swarmSettings";
import { SwarmValkeyCache } from "../../components/swarmValkeyCache";
import { DeclaredResource, findResource, installMocks, isSecret, resolve, settle, sourceEnvFile } from "../helpers/pulumiMocks";

const SERVICE = "docker:index/service:Service";
const SECRET = "docker:index/secret:Secret";
const CONFIG = "docker:index/serviceConfig:ServiceConfig";

const DATABASE_URL = "postgresql://openwebui:db-pass-42@postgres:5432/openwebui";
const decode = (data: string) => Buffer.from(data, "base64").toString("utf8");

/** What the engine is told about a resource beyond its inputs (the mocks' newResource does not see options). */
interface Registration {
    replaceOnChanges: string[];
    deleteBeforeReplace: boolean;
    dependencies: string[];
}

/** Records every registration's options, by `type::name`, from the mock monitor's requests. */
function recordRegistrations(): Map<string, Registration> {
    const seen = new Map<string, Registration>();
    const monitor = pulumi.runtime.getMonitor() as any;
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: unknown) => {
        seen.set(`${req.getType()}::${req.getName()}`, {
            replaceOnChanges: req.getReplaceonchangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            dependencies: req.getDependenciesList(),
        });
        return registerResource(req, callback);
    };
    return seen;
}

describe("SwarmOpenWebUI under mocks", () => {
    let declared: DeclaredResource[];
    let registrations: Map<string, Registration>;
    let cache: SwarmValkeyCache;
    let web: SwarmOpenWebUI;
    let warn: jest.SpyInstance;
    const service = (name = "web") => findResource(declared, SERVICE, `${name}-service`);
    const spec = (name = "web") => service(name).inputs.taskSpec.containerSpec;
    /** The Docker secret's file as the entrypoint's shell reads it. */
    const secretFile = (name = "web") => sourceEnvFile(decode(findResource(declared, SECRET, `${name}-env-secret`).inputs.data));

    /** The arguments "web" shares with the container flavour. */
    const shared = {
        redisKeyPrefix: "team",
        jwtExpiresIn: "7d",
        vectorDb: "pgvector",
        uvicornWorkers: 2,
        extraEnvs: { CORS_ALLOW_ORIGIN: "https://chat.example.com" },
    };

    beforeAll(async () => {
        declared = await installMocks();
        registrations = recordRegistrations();
        warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
        cache = new SwarmValkeyCache("valkey", {});
        web = new SwarmOpenWebUI(
            "web",
            {
                ...shared,
                redisUrl: cache.url,
                networkId: cache.networkId,
                redisServerTimeoutSeconds: cache.timeoutSeconds,
                databaseUrl: pulumi.secret(DATABASE_URL),
                extraSecretEnvs: { OPENAI_API_KEY: pulumi.secret("sk-test-key") },
                replicas: 3,
                storageProvider: "s3",
                storageEnvs: { S3_BUCKET_NAME: "uploads", S3_ENDPOINT_URL: "https://s3.example.com" },
                storageSecretEnvs: { S3_SECRET_ACCESS_KEY: pulumi.secret("s3-secret-key") },
            },
            { dependsOn: [cache] },
        );
        await resolve(web.secretKey);
        await resolve(cache.url);
        await settle();
    });
    afterAll(() => warn.mockRestore());

    it("gives the service the container flavour's public environment of the same settings, plus the storage provider's", () => {
        const expected = openWebUIPublicEnv(resolveOpenWebUISettings("web", { ...shared, databaseUrl: DATABASE_URL }), shared.extraEnvs);
        expect(spec().env).toEqual({ ...expected, STORAGE_PROVIDER: "s3", S3_BUCKET_NAME: "uploads", S3_ENDPOINT_URL: "https://s3.example.com" });
        expect(spec().env).toMatchObject({ REDIS_KEY_PREFIX: "team", JWT_EXPIRES_IN: "7d", VECTOR_DB: "pgvector", UVICORN_WORKERS: "2", WEBSOCKET_MANAGER: "redis" });
    });

    it("puts no secret anywhere in the service's inputs", async () => {
        const json = JSON.stringify(service().inputs);
        const secretKey = await resolve(web.secretKey);
        expect(secretKey).toBe("generatedwebsecretkey");
        for (const secret of ["generatedvalkeypassword", secretKey, DATABASE_URL, "db-pass-42", "sk-test-key", "s3-secret-key", "redis://"]) {
            expect({ secret, found: json.includes(secret) }).toEqual({ secret, found: false });
        }
        expect(service().secretInputs).toEqual([]);
        for (const name of ["REDIS_URL", "WEBSOCKET_REDIS_URL", "WEBUI_SECRET_KEY", "DATABASE_URL", "OPENAI_API_KEY", "S3_SECRET_ACCESS_KEY"]) {
            expect(spec().env[name]).toBeUndefined();
        }
    });

    it("hands every secret to the tasks in one Docker secret file: the Redis URLs (websocket on db 1), the key, the database", () => {
        expect(secretFile()).toEqual({
            REDIS_URL: "redis://:generatedvalkeypassword@valkey:6379/0",
            WEBSOCKET_REDIS_URL: "redis://:generatedvalkeypassword@valkey:6379/1",
            WEBUI_SECRET_KEY: "generatedwebsecretkey",
            DATABASE_URL,
            OPENAI_API_KEY: "sk-test-key",
            S3_SECRET_ACCESS_KEY: "s3-secret-key",
        });
        const secret = findResource(declared, SECRET, "web-env-secret");
        expect(secret.secretInputs).toEqual(["data"]);
        // Versioned by a keyed digest of the file: a new value is a new secret, and the name reveals nothing.
        expect(secret.inputs.name).toBe(versionedName("web-env", decode(secret.inputs.data), "generatedwebsecretnamekey"));
        expect(secret.inputs.name).toMatch(/^web-env-[0-9a-f]{12}$/);
        expect(spec().secrets).toEqual([
            { secretId: "web-env-secret-id", secretName: secret.inputs.name, fileName: SWARM_SECRET_ENV_FILE_NAME, fileUid: "0", fileGid: "0", fileMode: 0o400 },
        ]);
    });

    it("starts through the entrypoint config, which sources the mounted secret file, then the image's command", () => {
        const config = findResource(declared, CONFIG, "web-entrypoint");
        const script = decode(config.inputs.data);
        expect(script).toBe(swarmEntrypointScript());
        expect(config.inputs.name).toBe(versionedName("web-entrypoint", script));
        expect(config.secretInputs).toEqual([]);
        expect(spec().configs).toEqual([{ configId: "web-entrypoint-id", configName: config.inputs.name, fileName: SWARM_ENTRYPOINT_FILE, fileUid: "0", fileGid: "0", fileMode: 0o555 }]);
        expect(spec().commands).toEqual(["sh", SWARM_ENTRYPOINT_FILE]);
        expect(spec().args).toEqual(OPEN_WEBUI_DEFAULTS.command);
        // The file it sources is where Docker mounts the service's secret.
        expect(script).toContain(`set -a; . /run/secrets/${spec().secrets[0].fileName}; set +a`);
        expect(script.endsWith('exec "$@"\n')).toBe(true);
    });

    it("runs the tasks as replicas, at most one per node, published through the routing mesh", () => {
        const s = service().inputs;
        expect(s.name).toBe("web");
        expect(s.mode).toEqual({ replicated: { replicas: 3 } });
        expect(s.taskSpec.placement).toEqual({ maxReplicas: 1 });
        expect(s.endpointSpec).toEqual({ mode: "vip", ports: [{ targetPort: 8080, publishedPort: 3000, protocol: "tcp", publishMode: "ingress" }] });
        expect(s.taskSpec.networksAdvanceds).toEqual([{ name: "valkey-network-id" }]);
        expect(spec().image).toBe(OPEN_WEBUI_DEFAULTS.image);
        // The container's healthcheck, durations in the shortened form a service reads back.
        expect(spec().healthcheck).toEqual({ ...openWebUIHealthcheck(), startPeriod: "10m" });
        expect(spec().stopGracePeriod).toBe("30s");
        expect(spec().mounts).toEqual([{ type: "volume", source: "web-data", target: "/app/backend/data" }]);
        expect(s.convergeConfig).toEqual({ delay: SWARM_DEFAULTS.convergeDelay, timeout: "10m" });
    });

    it("rolls out one replica at a time start-first, rolling back on failure", () => {
        expect(service().inputs.updateConfig).toEqual({ parallelism: 1, order: "start-first", failureAction: "rollback", monitor: "30s" });
        expect(service().inputs.rollbackConfig).toEqual({ parallelism: 1, order: "start-first", failureAction: "pause", monitor: "30s" });
    });

    it("replaces the service delete-first on a new image, after Valkey", () => {
        const registration = registrations.get(`${SERVICE}::web-service`)!;
        expect(registration.replaceOnChanges).toEqual(["taskSpec.containerSpec.image"]);
        expect(registration.deleteBeforeReplace).toBe(true);
        // dependsOn the cache waits for its children, the converged Valkey service among them.
        expect(registration.dependencies).toEqual(expect.arrayContaining([expect.stringMatching(/SwarmValkeyCache\$docker:index\/service:Service::valkey-service$/)]));
        // Only the service: the secret and the config are replaced by name, created before the old ones go.
        for (const other of [`${SECRET}::web-env-secret`, `${CONFIG}::web-entrypoint`]) {
            expect(registrations.get(other)).toMatchObject({ replaceOnChanges: [], deleteBeforeReplace: false });
        }
    });

    it("outputs the published port, a secret key (secret), the service and volume names", async () => {
        expect(await resolve(web.publishedPort)).toBe(3000);
        expect(await isSecret(web.secretKey)).toBe(true);
        expect(await resolve(web.serviceName)).toBe("web");
        expect(await resolve(web.volumeName)).toBe("web-data");
    });

    it("with host publishing defaults to stop-first (the old task holds the node's port), unless told otherwise", async () => {
        new SwarmOpenWebUI("hosted", { redisUrl: cache.url, networkId: cache.networkId, publishMode: "host", endpointMode: "dnsrr", publishedPort: 3100 });
        new SwarmOpenWebUI("hosted-sf", { redisUrl: cache.url, networkId: cache.networkId, publishMode: "host", updateOrder: "start-first", publishedPort: 3101 });
        await settle();
        const hosted = service("hosted").inputs;
        expect(hosted.endpointSpec).toEqual({ mode: "dnsrr", ports: [{ targetPort: 8080, publishedPort: 3100, protocol: "tcp", publishMode: "host" }] });
        expect(hosted.updateConfig).toMatchObject({ order: "stop-first", failureAction: "rollback" });
        expect(hosted.rollbackConfig).toMatchObject({ order: "stop-first" });
        expect(service("hosted-sf").inputs.updateConfig).toMatchObject({ order: "start-first", failureAction: "rollback" });
    });

    it("leaves maxReplicas unset with maxReplicasPerNode 0, and passes placement constraints, memory, timeouts and the volume driver", async () => {
        new SwarmOpenWebUI("packed", {
            redisUrl: cache.url,
            networkId: cache.networkId,
            maxReplicasPerNode: 0,
            placementConstraints: ["node.role==worker"],
            memoryLimitMb: 2048,
            waitTimeoutSeconds: 900,
            stopGraceSeconds: 45,
            dataVolumeDriver: "local",
            dataVolumeDriverOptions: { type: "nfs", o: "addr=10.0.0.5,rw", device: ":/exports/open-webui" },
            publishedPort: 3102,
        });
        await settle();
        const s = service("packed").inputs;
        expect(s.taskSpec.placement).toEqual({ constraints: ["node.role==worker"] });
        expect(s.taskSpec.placement.maxReplicas).toBeUndefined();
        expect(s.taskSpec.resources).toEqual({ limits: { memoryBytes: 2048 * 1024 * 1024 } });
        expect(s.convergeConfig.timeout).toBe("15m");
        expect(s.taskSpec.containerSpec.stopGracePeriod).toBe("45s");
        expect(s.taskSpec.containerSpec.mounts).toEqual([
            {
                type: "volume",
                source: "packed-data",
                target: "/app/backend/data",
                volumeOptions: { driverName: "local", driverOptions: { type: "nfs", o: "addr=10.0.0.5,rw", device: ":/exports/open-webui" } },
            },
        ]);
    });

    it("by default: one replica, local storage, no STORAGE_PROVIDER, SQLite, no database in the secret file", async () => {
        new SwarmOpenWebUI("solo", { redisUrl: cache.url, networkId: cache.networkId, publishedPort: 3103 });
        await settle();
        const s = service("solo").inputs;
        expect(s.mode).toEqual({ replicated: { replicas: 1 } });
        expect(s.taskSpec.placement).toEqual({ maxReplicas: 1 });
        expect(spec("solo").env).toEqual(openWebUIPublicEnv(resolveOpenWebUISettings("solo", {})));
        expect(spec("solo").env.STORAGE_PROVIDER).toBeUndefined();
        expect(Object.keys(secretFile("solo")).sort()).toEqual(["REDIS_URL", "WEBSOCKET_REDIS_URL", "WEBUI_SECRET_KEY"]);
    });

    describe("the warning about uploads kept on each node", () => {
        const warned = (name: string) => warn.mock.calls.filter(([message]) => String(message).startsWith(`${name}: `));
        const db = { databaseUrl: DATABASE_URL, vectorDb: "pgvector" };

        it("is given for several replicas on local storage, saying what to set", async () => {
            new SwarmOpenWebUI("spread", { redisUrl: cache.url, networkId: cache.networkId, ...db, replicas: 2, publishedPort: 3104 });
            await settle();
            expect(warned("spread")).toHaveLength(1);
            expect(warned("spread")[0][0]).toMatch(/^spread: 2 replicas keep uploads in each node's own volume: a file uploaded through one replica is missing on the others\. Set storageProvider \(s3, gcs, azure\) or dataVolumeDriver/);
        });

        it("is not given with s3, with a shared volume driver, or with one replica", async () => {
            new SwarmOpenWebUI("on-s3", { redisUrl: cache.url, networkId: cache.networkId, ...db, replicas: 2, storageProvider: "s3", storageEnvs: { S3_BUCKET_NAME: "b" }, publishedPort: 3105 });
            new SwarmOpenWebUI("on-nfs", { redisUrl: cache.url, networkId: cache.networkId, ...db, replicas: 2, dataVolumeDriver: "local", dataVolumeDriverOptions: { type: "nfs" }, publishedPort: 3106 });
            new SwarmOpenWebUI("single", { redisUrl: cache.url, networkId: cache.networkId, publishedPort: 3107 });
            await settle();
            expect([warned("on-s3"), warned("on-nfs"), warned("single"), warned("web")]).toEqual([[], [], [], []]);
        });
    });

    it("refuses bad shared and Swarm arguments together, before any child exists", async () => {
        const before = declared.length;
        let error: unknown;
        try {
            new SwarmOpenWebUI("bad", { redisUrl: cache.url, networkId: cache.networkId, uvicornWorkers: 0, replicas: 0, publishMode: "mesh", storageProvider: "nfs" });
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SettingErrors);
        expect((error as SettingErrors).errors.map((e) => e.setting)).toEqual(["uvicornWorkers", "replicas", "publishMode", "storageProvider"]);
        await settle();
        expect(declared.slice(before).filter((r) => !r.type.startsWith("openwebui-valkey:"))).toEqual([]);
    });
});

describe("the entrypoint script, run for real", () => {
    // The script sources /run/secrets/open-webui.env; here that file is a temporary one. python3 runs
    // its embedded program against stand-ins for sqlalchemy and open_webui.main that log what they
    // are asked, and the image's command is a shell that prints what it inherits.
    const script = swarmEntrypointScript();
    let dir: string;
    let log: string;

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-entrypoint-"));
        log = path.join(dir, "log");
        fs.mkdirSync(path.join(dir, "modules", "open_webui"), { recursive: true });
        const logLine = 'def _log(m):\n    with open(os.environ["FAKE_LOG"], "a") as f:\n        f.write(m + "\\n")\n';
        fs.writeFileSync(
            path.join(dir, "modules", "sqlalchemy.py"),
            `import os\n${logLine}_log("import sqlalchemy")\n` +
                "def text(s):\n    return s\n" +
                "class _Connection:\n    def execute(self, statement):\n        _log('execute ' + statement)\n" +
                "class _Engine:\n    def __init__(self, url):\n        self.url = url\n    def connect(self):\n        _log('connect ' + self.url)\n        return _Connection()\n" +
                "def create_engine(url):\n    return _Engine(url)\n",
        );
        fs.writeFileSync(path.join(dir, "modules", "open_webui", "__init__.py"), "");
        fs.writeFileSync(
            path.join(dir, "modules", "open_webui", "main.py"),
            `import os\n${logLine}_log("import open_webui.main")\n` +
                'if os.environ.get("FAIL_IMPORT"):\n    raise RuntimeError("migration failed")\n' +
                'async def seed_registered_defaults():\n    _log("seed")\n',
        );
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the script with this secret file and environment; returns its output, status and the stand-ins' log. */
    function runScript(secretEnv: string, env: Record<string, string> = {}) {
        fs.writeFileSync(path.join(dir, "open-webui.env"), secretEnv);
        fs.rmSync(log, { force: true });
        const local = script.split(`/run/secrets/${SWARM_SECRET_ENV_FILE_NAME}`).join(path.join(dir, "open-webui.env"));
        expect(local).not.toBe(script);
        fs.writeFileSync(path.join(dir, "entrypoint.sh"), local);
        const r = spawnSync("sh", [path.join(dir, "entrypoint.sh"), "sh", "-c", 'echo "server: migrations=$ENABLE_DB_MIGRATIONS redis=$REDIS_URL key=$WEBUI_SECRET_KEY args=$0"', "start.sh"], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONPATH: path.join(dir, "modules"), FAKE_LOG: log, ...env },
        });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr, log: fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean) : [] };
    }
    const secrets = (databaseUrl?: string) =>
        `REDIS_URL='redis://:pw@valkey:6379/0'\nWEBUI_SECRET_KEY='k'\n${databaseUrl === undefined ? "" : `DATABASE_URL='${databaseUrl}'\n`}`;

    it("is valid sh, and its embedded program valid Python", () => {
        expect(() => execFileSync("sh", ["-n"], { input: script })).not.toThrow();
        const body = /<<'PY'\n([\s\S]*?)\nPY\n/.exec(script)?.[1];
        expect(body).toBeDefined();
        expect(() => execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: body })).not.toThrow();
        // And the checks do fail on broken code.
        expect(() => execFileSync("sh", ["-n"], { input: `${script}\nif then\n`, stdio: "pipe" })).toThrow();
        expect(() => execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: `${body}\nif:\n`, stdio: "pipe" })).toThrow();
    });

    it("on PostgreSQL takes the advisory lock before preparing the database, then starts the server with migrations off", () => {
        const r = runScript(secrets(DATABASE_URL));
        expect(r.status).toBe(0);
        expect(r.log).toEqual([
            "import sqlalchemy",
            `connect ${DATABASE_URL}`,
            `execute SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`,
            "import open_webui.main",
            "seed",
        ]);
        expect(r.stdout).toBe("server: migrations=false redis=redis://:pw@valkey:6379/0 key=k args=start.sh\n");
    });

    it("reads postgres:// and postgresql+psycopg2:// as PostgreSQL too", () => {
        expect(runScript(secrets("postgres://u:p@db:5432/w")).log.slice(0, 3)).toEqual(["import sqlalchemy", "connect postgresql://u:p@db:5432/w", `execute SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`]);
        expect(runScript(secrets("postgresql+psycopg2://u:p@db:5432/w")).log[1]).toBe("connect postgresql+psycopg2://u:p@db:5432/w");
    });

    it("takes no lock on SQLite or without a database URL", () => {
        for (const url of [undefined, "sqlite:////app/backend/data/webui.db"]) {
            const r = runScript(secrets(url));
            expect({ url, status: r.status, log: r.log }).toEqual({ url, status: 0, log: ["import open_webui.main", "seed"] });
            expect(r.stdout).toMatch(/^server: migrations=false /);
        }
    });

    it("prepares nothing when the user turned migrations off, and still starts the server", () => {
        const r = runScript(secrets(DATABASE_URL), { ENABLE_DB_MIGRATIONS: "false" });
        expect(r.status).toBe(0);
        expect(r.log).toEqual([]);
        expect(r.stdout).toMatch(/^server: migrations=false /);
    });

    it("does not start the server when preparing the database fails (the task fails and Swarm restarts it)", () => {
        const r = runScript(secrets(DATABASE_URL), { FAIL_IMPORT: "1" });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("migration failed");
        expect(r.stdout).toBe("");
    });
});

describe("SwarmOpenWebUI settings (pure)", () => {
    it("defaults: one replica, one per node, vip, ingress, start-first, local storage", () => {
        const s = resolveSwarmOpenWebUISettings("w", {});
        expect([s.replicas, s.maxReplicasPerNode, s.endpointMode, s.publishMode, s.updateOrder, s.storageProvider]).toEqual([1, 1, "vip", "ingress", "start-first", "local"]);
        expect(resolveSwarmOpenWebUISettings("w", { publishMode: "host" }).updateOrder).toBe("stop-first");
        expect(resolveSwarmOpenWebUISettings("w", { publishMode: "host", updateOrder: "start-first" }).updateOrder).toBe("start-first");
    });
});
