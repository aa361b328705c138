// PostgresDatabase under Pulumi's mocks, its pure settings, and what OpenWebUI refuses without it.
import * as pulumi from "@pulumi/pulumi";
import { OpenWebUI, PostgresDatabase, ValkeyCache } from "../../components";
import { buildDatabaseUrl, postgresHealthcheck, resolvePostgresSettings } from "../../components/postgresSettings";
import { DeclaredResource, findResource, installMocks, isSecret, resolve, settle, sourceEnvFile } from "../helpers/pulumiMocks";

const CONTAINER = "docker:index/container:Container";

describe("PostgresDatabase under mocks", () => {
    let declared: DeclaredResource[];
    let db: PostgresDatabase;
    beforeAll(async () => {
        declared = await installMocks();
        db = new PostgresDatabase("postgres", { networkName: "dev-openwebui-network", containerName: "prod-postgres", volumeName: "prod-postgres-data" });
        await resolve(db.databaseUrl);
        await settle();
    });

    it("creates a retained data volume, the pgvector image and a generated password", () => {
        expect(findResource(declared, "docker:index/volume:Volume", "postgres-data").inputs).toEqual({ name: "prod-postgres-data" });
        expect(findResource(declared, "docker:index/remoteImage:RemoteImage", "postgres-image").inputs).toEqual({ name: "docker.io/pgvector/pgvector:0.8.0-pg17", keepLocally: true });
        expect(findResource(declared, "random:index/randomPassword:RandomPassword", "postgres-password").inputs).toMatchObject({ length: 32, special: false });
    });

    it("runs hardened as the postgres user, with no capability, bounded memory and a graceful fast shutdown", () => {
        const c = findResource(declared, CONTAINER, "postgres-container").inputs;
        expect(c.name).toBe("prod-postgres");
        expect(c.user).toBe("999");
        expect(c.capabilities).toEqual({ drops: ["ALL"] });
        expect(c.securityOpts).toEqual(["no-new-privileges:true"]);
        expect([c.memory, c.memorySwap, c.shmSize]).toEqual([1024, 1024, 256]);
        expect([c.stopSignal, c.destroyGraceSeconds, c.stopTimeout]).toEqual(["SIGINT", 60, 60]);
        expect([c.restart, c.logDriver, c.logOpts]).toEqual(["unless-stopped", "json-file", { "max-size": "1m", "max-file": "1" }]);
        expect(c.volumes).toEqual([{ volumeName: "prod-postgres-data", containerPath: "/var/lib/postgresql/data" }]);
        expect(c.networksAdvanced).toEqual([{ name: "dev-openwebui-network", aliases: ["postgres"] }]);
        expect(c.ports).toBeUndefined();
        expect([c.wait, c.waitTimeout]).toEqual([true, 120]);
    });

    it("keeps the password out of envs: an uploaded file for the entrypoint, owned by the postgres user", () => {
        const r = findResource(declared, CONTAINER, "postgres-container");
        expect(r.inputs.envs).toEqual(["PGDATA=/var/lib/postgresql/data/pgdata", "POSTGRES_DB=openwebui", "POSTGRES_PASSWORD_FILE=/run/postgres/password", "POSTGRES_USER=openwebui"]);
        expect(r.inputs.uploads).toEqual([
            { file: "/run/postgres/password", content: "generatedpostgrespassword", permissions: "0400", owner: "999", group: "999" },
            { file: "/docker-entrypoint-initdb.d/10-vector.sql", content: "CREATE EXTENSION IF NOT EXISTS vector;\n", permissions: "0444" },
        ]);
        expect(r.secretInputs).toEqual(["uploads"]);
    });

    it("checks health with a query authenticated over TCP through the alias, not only an open port", () => {
        const h = findResource(declared, CONTAINER, "postgres-container").inputs.healthcheck;
        expect(h.tests[0]).toBe("CMD-SHELL");
        expect(h.tests[1]).toContain('PGPASSWORD="$(cat /run/postgres/password)" psql -w -h postgres -U openwebui -d openwebui');
        expect(h.tests[1]).toContain("= '1' ]");
        expect([h.interval, h.timeout, h.startPeriod, h.retries]).toEqual(["2s", "5s", "1m0s", 5]);
    });

    it("outputs a secret postgresql:// URL built from plan-time values", async () => {
        expect(await resolve(db.databaseUrl)).toBe("postgresql://openwebui:generatedpostgrespassword@postgres:5432/openwebui");
        expect(await isSecret(db.databaseUrl)).toBe(true);
        expect(await isSecret(db.password)).toBe(true);
        expect(await resolve(db.host)).toBe("postgres");
    });

    it("feeds OpenWebUI's DATABASE_URL and pgvector through the secrets file, with 4 workers", async () => {
        const cache = new ValkeyCache("cache", {});
        new OpenWebUI("web", { redisUrl: cache.url, networkName: cache.networkName, databaseUrl: db.databaseUrl, vectorDb: "pgvector", uvicornWorkers: 4, hostPort: 3020 }, { dependsOn: [cache, db] });
        await resolve(cache.url);
        await settle();
        const web = findResource(declared, CONTAINER, "web-container");
        expect(web.inputs.envs).toEqual(expect.arrayContaining(["VECTOR_DB=pgvector", "UVICORN_WORKERS=4"]));
        expect(JSON.stringify(web.inputs.envs)).not.toContain("postgresql://");
        expect(sourceEnvFile(web.inputs.uploads[0].content).DATABASE_URL).toBe("postgresql://openwebui:generatedpostgrespassword@postgres:5432/openwebui");
    });
});

describe("PostgresDatabase settings (pure)", () => {
    it("percent-encodes the password in the URL", () => {
        const s = resolvePostgresSettings("db", { networkName: "n" });
        expect(buildDatabaseUrl(s, "p@ss:w/rd")).toBe("postgresql://openwebui:p%40ss%3Aw%2Frd@postgres:5432/openwebui");
        expect(postgresHealthcheck(resolvePostgresSettings("db", { networkName: "n", networkAlias: "db", userName: "app", databaseName: "chat" })).tests[1]).toContain("-h db -U app -d chat");
    });
});

describe("bad database input, before any child exists", () => {
    let declared: DeclaredResource[];
    beforeAll(async () => {
        declared = await installMocks();
    });
    const noChildSince = (before: number) =>
        settle().then(() => expect(declared.slice(before).filter((r) => !r.type.startsWith("openwebui-valkey:"))).toEqual([]));

    const dbCases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["memory limit too small", { memoryLimitMb: 128 }, /memoryLimitMb = 128: PostgreSQL needs at least 256 MB.*Fix:/],
        ["database name needing quotes", { databaseName: "Open-WebUI" }, /databaseName = "Open-WebUI": a PostgreSQL name here is lowercase letters/],
        ["the superuser's name", { userName: "postgres" }, /userName = "postgres": .*built-in superuser/],
        ["shm above the memory limit", { memoryLimitMb: 512, shmSizeMb: 1024 }, /shmSizeMb = 1024/],
        ["image reference", { image: "pgvector/pgvector:0.8.0-pg17:x" }, /image = .*Docker would refuse/],
        ["stop grace 0", { stopGraceSeconds: 0 }, /stopGraceSeconds = 0/],
    ];
    it.each(dbCases)("PostgresDatabase: %s", (_t, args, message) => {
        const before = declared.length;
        expect(() => new PostgresDatabase(`bad-db-${before}`, { networkName: "net", ...args })).toThrow(message);
        return noChildSince(before);
    });

    const webCases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["several workers on SQLite", { uvicornWorkers: 4 }, /uvicornWorkers = 4: several workers need a shared database: without databaseUrl each worker opens the SQLite file.*Fix: give databaseUrl/],
        ["several workers on the local vector store", { uvicornWorkers: 2, databaseUrl: "postgresql://u:p@db:5432/w" }, /uvicornWorkers = 2: the default vector store .* not safe across forked workers.*Fix: set vectorDb to "pgvector"/],
        ["a database scheme Open WebUI cannot use", { databaseUrl: "mysql://u:hunter2@db:3306/w" }, /databaseUrl = "mysql:\/\/\[secret\]": Open WebUI cannot use a mysql:\/\/ database here: it supports sqlite:\/\/, .*postgresql:\/\//],
        ["pgvector without PostgreSQL", { vectorDb: "pgvector" }, /vectorDb = "pgvector": pgvector keeps its vectors in PostgreSQL, and neither databaseUrl nor pgvectorDbUrl names one/],
        ["pgvector on SQLite", { vectorDb: "pgvector", databaseUrl: "sqlite:////app/backend/data/webui.db" }, /vectorDb = "pgvector": pgvector keeps its vectors in PostgreSQL, and databaseUrl is a sqlite:\/\/ database/],
        ["a pgvector URL without pgvector", { pgvectorDbUrl: "postgresql://u:p@db:5432/v" }, /pgvectorDbUrl = "\[secret\]": it is only read with vectorDb "pgvector"/],
        ["an unknown vector store", { vectorDb: "faiss" }, /vectorDb = "faiss": it is not a vector store Open WebUI knows/],
    ];
    it.each(webCases)("OpenWebUI: %s", (_t, args, message) => {
        const before = declared.length;
        let error: unknown;
        try {
            new OpenWebUI(`bad-web-${before}`, { redisUrl: "redis://:pw@valkey:6379/0", networkName: "net", ...args });
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(pulumi.RunError);
        expect((error as Error).message).toMatch(message);
        expect((error as Error).message).not.toContain("hunter2");
        return noChildSince(before);
    });
});
