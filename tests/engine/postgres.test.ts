// The prod stack's PostgreSQL with pgvector on a real engine: realized with Valkey and the real Open WebUI,
// all healthy; the server hardened as declared (uid 999, no capability, no-new-privileges,
// its memory limit with no swap, /dev/shm); pgvector in the database; strangers on the network
// refused while the exact URL Open WebUI is given connects and runs a vector query; data kept across
// a replacement (a graceful one: exit 0 after a fast shutdown) and across `kill -9`; and a
// healthcheck that checks the password, not only the port.
import { readFileSync } from "fs";
import Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import { RUN_LABEL_KEY, Realization, replaceContainer } from "../../tools/realize/realizer";
import {
    IMAGE_MAP,
    OPEN_WEBUI_SECRETS_FILE,
    cleanUp,
    engine,
    exec,
    healthOf,
    httpGet,
    inspect,
    mainProcess,
    memoryLimits,
    planResource,
    realizeStack,
    runLabel,
    shellValue,
    uploadOf,
    waitFor,
    waitForHealth,
    watchExit,
} from "./harness";

jest.setTimeout(300_000);

const PREFIX = "pg-prod";
const WEB_PORT = 3401;
const PG = `${PREFIX}-postgres`;
const VALKEY = `${PREFIX}-valkey`;
const WEB = `${PREFIX}-open-webui`;
const NETWORK = `${PREFIX}-openwebui-network`;
const STRANGER = `${PREFIX}-stranger`;
const MIB = 1024 * 1024;
const PG_IMAGE = IMAGE_MAP["docker.io/pgvector/pgvector:0.8.0-pg17"];

let docker: Dockerode;
let plan: Plan;
let realization: Realization | undefined;
let realizeMs = 0;
const label = runLabel("postgres-prod");

/** The password the plan uploads into the PostgreSQL container. */
const passwordOfPlan = (): string => uploadOf(plan, "postgres-container", "/run/postgres/password").content;

/** The DATABASE_URL the plan gives Open WebUI, from the secrets file it uploads into its container. */
function databaseUrlOfPlan(): string {
    return shellValue(uploadOf(plan, "open-webui-container", OPEN_WEBUI_SECRETS_FILE).content, "DATABASE_URL");
}

/** psql inside the server's container, as its postgres user over the socket (trusted, as upstream). */
async function psqlInside(sql: string): Promise<string> {
    const r = await exec(docker, PG, ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", "openwebui", "-d", "openwebui", "-tAc", sql]);
    if (r.code !== 0) throw new Error(`psql in ${PG} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim();
}

/** A container of the PostgreSQL image on the stack's network that only runs psql when told: a client, not a server. */
async function startStranger(): Promise<void> {
    const container = await docker.createContainer({
        name: STRANGER,
        Image: PG_IMAGE,
        User: "999",
        Entrypoint: ["sleep"],
        Cmd: ["infinity"],
        Labels: { [RUN_LABEL_KEY]: label },
        // a tmpfs on the image's VOLUME keeps Docker from making an anonymous volume
        HostConfig: { NetworkMode: NETWORK, Tmpfs: { "/var/lib/postgresql/data": "" } },
    });
    await container.start();
}

beforeAll(async () => {
    docker = await engine();
    const started = Date.now();
    ({ plan, realization } = await realizeStack(docker, label, "prod", { namePrefix: PREFIX, openWebUIHostPort: WEB_PORT }));
    realizeMs = Date.now() - started;
    await startStranger();
});
afterAll(async () => {
    if (docker) await cleanUp(docker, label, realization ? [realization] : []);
});

it("realizes with Valkey, PostgreSQL and Open WebUI, all healthy", async () => {
    const containers = plan.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.name).sort();
    expect(containers).toEqual(["open-webui-container", "postgres-container", "valkey-container"]);
    for (const name of [PG, VALKEY, WEB]) expect(await healthOf(docker, name)).toBe("healthy");
    await waitFor("Open WebUI's /health", 60_000, async () => ((await httpGet(WEB_PORT, "/health")).status === 200 ? true : undefined));
    // The entrypoint took the first-start path on the fresh volume, and ran the init script.
    const logs = (await docker.getContainer(PG).logs({ stdout: true, stderr: true })).toString("utf8");
    expect(logs).toMatch(/entrypoint: no database in \/var\/lib\/postgresql\/data\/pgdata; initialising it/);
    expect(logs).toMatch(/running \/docker-entrypoint-initdb\.d\/10-vector\.sql/);
    expect(logs).not.toContain(passwordOfPlan());
    process.stdout.write(`figure: prod stack (3 containers) realized, all healthy, in ${(realizeMs / 1000).toFixed(1)} s\n`);
});

it("runs as uid 999 with no capability, no-new-privileges, the declared memory limit without swap, and /dev/shm", async () => {
    const p = await mainProcess(docker, PG);
    expect(p.pid).toBeGreaterThan(0);
    expect(p.status.Name).toBe("postgres");
    expect(p.status.Uid.split(/\s+/)).toEqual(["999", "999", "999", "999"]);
    expect(p.status.Gid.split(/\s+/)).toEqual(["999", "999", "999", "999"]);
    for (const set of ["CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"]) expect([set, BigInt(`0x${p.status[set]}`)]).toEqual([set, 0n]);
    expect(p.status.NoNewPrivs).toBe("1");

    const declared = planResource(plan, "postgres-container").inputs as { memory: number; memorySwap: number; shmSize: number };
    expect(declared.memorySwap).toBe(declared.memory);
    const host = (await inspect(docker, PG)).HostConfig;
    expect([host.Memory, host.MemorySwap, host.ShmSize]).toEqual([declared.memory * MIB, declared.memorySwap * MIB, declared.shmSize * MIB]);
    const limits = memoryLimits(p.pid);
    expect(limits.memory).toBe(BigInt(declared.memory * MIB));
    // memory+swap equal to memory: no swap at all (where the kernel accounts for swap)
    if (limits.memoryAndSwap !== undefined) expect(limits.memoryAndSwap).toBe(limits.memory);
    const shm = await exec(docker, PG, ["sh", "-c", "grep ' /dev/shm ' /proc/mounts"]);
    expect(shm.stdout).toMatch(new RegExp(`size=${declared.shmSize * 1024}k`));
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.CapAdd ?? []).toEqual([]);
    expect(host.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(((await inspect(docker, PG)).Config as { StopSignal?: string }).StopSignal).toBe("SIGINT");
});

it("holds the password in a 0400 file of uid 999, never in the server's environment", async () => {
    const password = passwordOfPlan();
    const stat = await exec(docker, PG, ["stat", "-c", "%u:%g %a", "/run/postgres/password"]);
    expect(stat.stdout.trim()).toBe("999:999 400");
    expect((await exec(docker, PG, ["cat", "/run/postgres/password"])).stdout).toBe(password);
    const env = (await inspect(docker, PG)).Config.Env ?? [];
    expect(env.join("\n")).not.toContain(password);
    expect(env).toContain("POSTGRES_PASSWORD_FILE=/run/postgres/password");
    // the server's own environment, as the kernel holds it
    const { pid } = await mainProcess(docker, PG);
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    expect(environ).toContain("PGDATA=/var/lib/postgresql/data/pgdata");
    expect(environ).not.toContain(password);
    expect(environ).not.toMatch(/(^|\0)POSTGRES_PASSWORD=/);
});

it("has pgvector 0.8 in the openwebui database", async () => {
    expect(await psqlInside("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).toMatch(/^0\.8\.\d+$/);
    expect(await psqlInside("SELECT current_setting('server_version_num')::int / 10000")).toBe("17");
    expect(await psqlInside("SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'openwebui'")).toBe("UTF8");
});

it("refuses a stranger on the network without the password or with a wrong one", async () => {
    const psql = ["psql", "-X", "-w", "-h", "postgres", "-U", "openwebui", "-d", "openwebui", "-tAc", "SELECT 1"];
    const none = await exec(docker, STRANGER, psql);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/fe_sendauth: no password supplied/);
    const wrong = await exec(docker, STRANGER, psql, ["PGPASSWORD=not-the-password"]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed for user "openwebui"/);
    // nor as the cluster's usual superuser name: there is no such role
    const superuser = await exec(docker, STRANGER, ["psql", "-X", "-w", "-h", "postgres", "-U", "postgres", "-d", "openwebui", "-tAc", "SELECT 1"], ["PGPASSWORD=postgres"]);
    expect(superuser.code).not.toBe(0);
    expect(superuser.stderr).toMatch(/password authentication failed for user "postgres"/);
    // and nothing is published on the host
    const info = await inspect(docker, PG);
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
});

it("the DATABASE_URL Open WebUI is given connects, creates a vector table and answers a nearest-neighbour query", async () => {
    const url = databaseUrlOfPlan();
    expect(url).toMatch(/^postgresql:\/\/openwebui:[^@]+@postgres:5432\/openwebui$/);
    // the file in the running Open WebUI container holds the same URL
    const file = await exec(docker, WEB, ["cat", OPEN_WEBUI_SECRETS_FILE]);
    expect(file.code).toBe(0);
    expect(shellValue(file.stdout, "DATABASE_URL")).toBe(url);
    const sql = [
        "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))",
        "INSERT INTO items VALUES (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]')",
        "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)",
        "SELECT string_agg(id::text, ',' ORDER BY d) FROM (SELECT id, embedding <-> '[1,0.05,0]' AS d FROM items ORDER BY embedding <-> '[1,0.05,0]' LIMIT 2) nearest",
    ].join("; ");
    const r = await exec(docker, STRANGER, ["sh", "-c", `psql "$DATABASE_URL" -X -w -v ON_ERROR_STOP=1 -tA -c "${sql}"`], [`DATABASE_URL=${url}`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("1,3");
    expect(await psqlInside("SELECT count(*) FROM items")).toBe("3");
});

it("keeps its data across a graceful replacement: SIGINT, a fast shutdown, exit 0", async () => {
    await psqlInside("CREATE TABLE IF NOT EXISTS kept (note text); INSERT INTO kept VALUES ('before replacement')");
    const old = await inspect(docker, PG);
    const exited = await watchExit(docker, old.Id);
    const started = Date.now();
    const newId = await replaceContainer(realization!, planResource(plan, "postgres-container"));
    const replaceMs = Date.now() - started;
    const { code, logs } = await exited();
    expect(newId).not.toBe(old.Id);
    expect(logs).toMatch(/received fast shutdown request/);
    expect(logs).toMatch(/database system is shut down/);
    expect(code).toBe(0);
    expect(await healthOf(docker, PG)).toBe("healthy");
    const newLogs = (await docker.getContainer(newId).logs({ stdout: true, stderr: true })).toString("utf8");
    expect(newLogs).toMatch(/PostgreSQL 17 database found in \/var\/lib\/postgresql\/data\/pgdata; starting it as it is/);
    expect(newLogs).not.toMatch(/initialising it/);
    // a clean shutdown: no recovery on the next start
    expect(newLogs).not.toMatch(/not properly shut down/);
    expect(await psqlInside("SELECT note FROM kept")).toBe("before replacement");
    expect(await psqlInside("SELECT count(*) FROM items")).toBe("3");
    process.stdout.write(`figure: PostgreSQL replaced (fast shutdown, exit ${code}, new container healthy) in ${(replaceMs / 1000).toFixed(1)} s\n`);
});

it("comes back with its committed data after kill -9 of its PID 1, through the restart policy", async () => {
    await psqlInside("INSERT INTO kept VALUES ('before kill')");
    const before = await inspect(docker, PG);
    const killedAt = Math.floor(Date.now() / 1000);
    process.kill(before.State.Pid, "SIGKILL");
    const started = Date.now();
    const after = await waitFor("the restart policy to restart the container", 30_000, async () => {
        const info = await inspect(docker, PG);
        return info.RestartCount > before.RestartCount && info.State.Running ? info : undefined;
    });
    expect(after.State.Pid).not.toBe(before.State.Pid);
    expect(after.Id).toBe(before.Id);
    await waitForHealth(docker, PG, "healthy", 60_000);
    const healthyMs = Date.now() - started;
    expect(await psqlInside("SELECT string_agg(note, ',' ORDER BY note) FROM kept")).toBe("before kill,before replacement");
    const logs = (await docker.getContainer(PG).logs({ stdout: true, stderr: true, since: killedAt - 1 })).toString("utf8");
    expect(logs).toMatch(/not properly shut down; automatic recovery in progress/);
    expect(logs).toMatch(/database found in .*; starting it as it is/);
    const p = await mainProcess(docker, PG);
    expect([p.status.Name, p.status.Uid.split(/\s+/)[0], BigInt(`0x${p.status.CapEff}`)]).toEqual(["postgres", "999", 0n]);
    process.stdout.write(`figure: PostgreSQL healthy again ${(healthyMs / 1000).toFixed(1)} s after kill -9 (crash recovery included)\n`);
});

it("turns unhealthy when the role's password no longer matches the file, and healthy again when it does", async () => {
    expect(await healthOf(docker, PG)).toBe("healthy");
    await psqlInside("ALTER ROLE openwebui PASSWORD 'other'");
    const changedAt = Date.now();
    await waitForHealth(docker, PG, "unhealthy", 60_000);
    const unhealthyMs = Date.now() - changedAt;
    const health = (await inspect(docker, PG)).State.Health;
    const last = health?.Log?.at(-1);
    expect(last?.ExitCode).not.toBe(0);
    expect(last?.Output).toMatch(/password authentication failed for user "openwebui"/);
    // the server itself answers all along: only the password is wrong
    expect(await psqlInside("SELECT 1")).toBe("1");
    expect((await inspect(docker, PG)).State.Running).toBe(true);
    // Put the file's password back (read inside, through a psql variable: it never enters a command line).
    const restore = await exec(docker, PG, [
        "sh",
        "-c",
        `printf '%s\\n' "ALTER ROLE openwebui PASSWORD :'pw';" | psql -X -v ON_ERROR_STOP=1 -v pw="$(cat /run/postgres/password)" -U openwebui -d openwebui`,
    ]);
    expect(restore.code).toBe(0);
    await waitForHealth(docker, PG, "healthy", 30_000);
    const url = databaseUrlOfPlan();
    const again = await exec(docker, STRANGER, ["sh", "-c", 'psql "$DATABASE_URL" -X -w -tAc "SELECT 1"'], [`DATABASE_URL=${url}`]);
    expect(again.stdout.trim()).toBe("1");
    process.stdout.write(`figure: unhealthy ${(unhealthyMs / 1000).toFixed(1)} s after the role's password changed\n`);
});
