// The containers the stacks really declare, mapped offline: every field of every container of both
// stacks is one the realizer maps and the read-back model covers (a field a component starts to
// declare fails here before any engine is needed), and prod's PostgreSQL container reaches the
// create request exactly as the provider's Create would send it.
import { renderPlan } from "../helpers/planCli";
import { RUN_LABEL_KEY, containerCreateOptions } from "../../tools/realize/dockerMapping";
import { PlanResource, RESOURCE_TYPES, parsePlan } from "../../tools/realize/plan";
import { checkModelled } from "../../tools/realize/readBack";

jest.setTimeout(120_000);

const IMAGE_ID = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
const RUN = { [RUN_LABEL_KEY]: "run-1" };
const MIB = 1024 * 1024;
const SECOND = 1_000_000_000;

const plans = new Map<string, ReturnType<typeof parsePlan>>();
function containersOf(stack: string): PlanResource[] {
    if (!plans.has(stack)) plans.set(stack, parsePlan(renderPlan(stack, { config: { namePrefix: `map-${stack}` }, showSecrets: true })));
    return plans.get(stack)!.resources.filter((r) => r.type === RESOURCE_TYPES.container);
}

describe.each(["dev", "prod"])("the %s stack", (stack) => {
    it("declares only container fields the realizer maps and the read-back model covers", () => {
        const containers = containersOf(stack);
        expect(containers.map((c) => c.name).sort()).toEqual(
            stack === "prod" ? ["open-webui-container", "postgres-container", "valkey-container"] : ["open-webui-container", "valkey-container"],
        );
        for (const container of containers) {
            expect(() => containerCreateOptions(container, { image: IMAGE_ID, labels: RUN })).not.toThrow();
            expect(() => checkModelled(container)).not.toThrow();
        }
    });
});

describe("prod's PostgreSQL container", () => {
    const postgres = (): PlanResource => {
        const found = containersOf("prod").find((c) => c.name === "postgres-container");
        if (found === undefined) throw new Error("prod declares no postgres-container");
        return found;
    };

    it("maps like the provider's Create: user, capabilities, stop signal and timeout, memory without swap, /dev/shm in bytes, healthcheck in nanoseconds", () => {
        const { options, lifecycle, networkConnections, disconnectDefaultBridge } = containerCreateOptions(postgres(), { image: IMAGE_ID, labels: RUN });
        expect(options).toMatchObject({
            name: "map-prod-postgres",
            Image: IMAGE_ID,
            User: "999",
            Env: [
                "PGDATA=/var/lib/postgresql/data/pgdata",
                "POSTGRES_DB=openwebui",
                "POSTGRES_PASSWORD_FILE=/run/postgres/password",
                "POSTGRES_USER=openwebui",
            ],
            StopSignal: "SIGINT",
            StopTimeout: 60,
            Volumes: { "/var/lib/postgresql/data": {} },
            Labels: RUN,
        });
        expect(options.Healthcheck).toEqual({
            Test: ["CMD-SHELL", expect.stringContaining("psql -w -h postgres -U openwebui -d openwebui")],
            Interval: 2 * SECOND,
            Timeout: 5 * SECOND,
            StartPeriod: 60 * SECOND,
            Retries: 5,
        });
        expect(options.HostConfig).toEqual({
            Binds: ["map-prod-postgres-data:/var/lib/postgresql/data:rw"],
            CapAdd: [],
            CapDrop: ["ALL"],
            SecurityOpt: ["no-new-privileges:true"],
            Memory: 1024 * MIB,
            MemorySwap: 1024 * MIB,
            ShmSize: 256 * MIB,
            RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
            LogConfig: { Type: "json-file", Config: { "max-file": "1", "max-size": "1m" } },
            Init: false,
            NetworkMode: "bridge",
        });
        // no port is published
        expect(options.ExposedPorts).toBeUndefined();
        expect(disconnectDefaultBridge).toBe(true);
        expect(networkConnections).toEqual([{ network: "map-prod-openwebui-network", endpoint: { Aliases: ["postgres"] } }]);
        expect(lifecycle).toMatchObject({ start: true, wait: true, waitTimeoutSeconds: 120, mustRun: true, destroyGraceSeconds: 60 });
    });

    it("uploads the password 0400 owned by 999:999 and the init script 0444 owned by root", () => {
        const { uploads } = containerCreateOptions(postgres(), { image: IMAGE_ID, labels: RUN });
        const byFile = Object.fromEntries(uploads.map((u) => [u.file, u]));
        expect(Object.keys(byFile).sort()).toEqual(["/docker-entrypoint-initdb.d/10-vector.sql", "/run/postgres/password"]);
        const password = byFile["/run/postgres/password"]!;
        expect([password.mode, password.uid, password.gid]).toEqual([0o400, 999, 999]);
        expect(password.content?.toString("utf8")).toMatch(/^[A-Za-z0-9]{32}$/);
        const init = byFile["/docker-entrypoint-initdb.d/10-vector.sql"]!;
        expect([init.mode, init.uid, init.gid]).toEqual([0o444, undefined, undefined]);
        expect(init.content?.toString("utf8")).toBe("CREATE EXTENSION IF NOT EXISTS vector;\n");
    });
});
