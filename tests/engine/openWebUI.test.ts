// The real Open WebUI (the pinned release, from PyPI) on both stacks, against the ValkeyCache the
// program declares: what Valkey is there for, proven by the server's own behaviour.
//   - healthy through the component's own healthcheck, connected to db 0 (app state) and db 1
//     (the Socket.IO manager), subscribed to its channels;
//   - sign-out writes the token's revocation record into db 0 under REDIS_KEY_PREFIX and the token
//     is refused from then on, also after Valkey is killed with kill -9 and restarts (append-only
//     file), and Open WebUI serves again without being restarted;
//   - a Socket.IO event emitted by a request reaches every connected client, through Valkey: on
//     prod, clients spread over the 4 workers (counted by Valkey's room-channel subscriptions);
//   - many concurrent authenticated requests all succeed.
import * as fs from "fs";
import type Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import { envOf, engineSession, healthOf, inspect, planResource, realizeStack, valkeyCli, waitFor, waitForHealth } from "./harness";
import { EventSocket, OpenWebUIClient, SignedIn, captureLogsFromStart, isMuteEvent, tokenPayload } from "./openWebUIClient";

jest.setTimeout(300_000);

const STACKS = [
    { stack: "dev", prefix: "owdev", port: 3321, workers: 1 },
    { stack: "prod", prefix: "owprod", port: 3322, workers: 4 },
] as const;

/** Open WebUI's process IDs as the host sees them: uvicorn's supervisor and its workers. */
function processTree(rootPid: number): number[] {
    const children = (pid: number): number[] => {
        const file = `/proc/${pid}/task/${pid}/children`;
        if (!fs.existsSync(file)) return [];
        const direct = fs.readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
        return direct.flatMap((c) => [c, ...children(c)]);
    };
    return [rootPid, ...children(rootPid)];
}

describe.each(STACKS)("the real Open WebUI on the $stack stack", ({ stack, prefix, port, workers }) => {
    const session = engineSession(`openwebui-${stack}`);
    const client = new OpenWebUIClient(port);
    let plan: Plan;
    let docker: Dockerode;
    const names = { valkey: `${prefix}-valkey`, openWebUI: `${prefix}-open-webui` };
    let admin: SignedIn;
    const users: SignedIn[] = [];

    let logs: Awaited<ReturnType<typeof captureLogsFromStart>>;
    afterAll(() => logs?.stop());

    beforeAll(async () => {
        docker = session.docker;
        logs = await captureLogsFromStart(docker, names.openWebUI);
        const realized = await realizeStack(docker, session.label, stack, {
            namePrefix: prefix,
            openWebUIHostPort: port,
            openWebUIExtraEnvs: '["ENABLE_CHANNELS=true","GLOBAL_LOG_LEVEL=DEBUG"]',
        });
        session.realizations.push(realized.realization);
        plan = realized.plan;
        admin = await client.signUp(`admin@${prefix}.test`);
        for (let i = 0; i < 6; i++) users.push(await client.addUser(admin.token, `user${i}@${prefix}.test`));
    });

    it("is healthy through the component's own healthcheck, runs the declared workers, and holds connections to db 0 and db 1", async () => {
        const declared = planResource(plan, "open-webui-container").inputs.healthcheck as { tests: string[] };
        const info = await inspect(docker, names.openWebUI);
        expect(info.Config.Healthcheck?.Test).toEqual(declared.tests);
        expect(await healthOf(docker, names.openWebUI)).toBe("healthy");
        expect(envOf(planResource(plan, "open-webui-container")).UVICORN_WORKERS).toBe(String(workers));
        // uvicorn's supervisor forks one process per worker (one worker runs in the supervisor itself)
        const cmdlines = processTree(info.State.Pid).map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "));
        const servers = cmdlines.filter((c) => c.includes("-m uvicorn open_webui.main:app"));
        const workerProcesses = cmdlines.filter((c) => c.includes("multiprocessing.spawn"));
        expect(servers.length).toBe(1);
        expect(workerProcesses.length).toBe(workers === 1 ? 0 : workers);

        const address = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
        expect(address).toBeTruthy();
        const clients = (await valkeyCli(docker, names.valkey, ["CLIENT", "LIST"])).split("\n").filter((l) => l.includes(` addr=${address}:`));
        const dbs = new Set(clients.map((l) => /\bdb=(\d+)/.exec(l)?.[1]));
        expect([...dbs].sort()).toEqual(["0", "1"]);
        const channels = (await valkeyCli(docker, names.valkey, ["PUBSUB", "CHANNELS"])).split("\n");
        expect(channels).toEqual(expect.arrayContaining(["socketio", "open-webui:tasks:commands"]));
    });

    it("logs, at debug level, the Redis-backed websocket manager and its Redis connections, and never the Valkey password", async () => {
        // from the first start on: at debug level a SQLite stack logs every query, and the
        // component's log rotation (1 MB) drops the start-up lines from `docker logs` within seconds
        const text = logs.text();
        expect(text).toMatch(/DEBUG.*redis\.connection/);
        const password = envOf(planResource(plan, "valkey-container")).REDISCLI_AUTH;
        expect(password.length).toBeGreaterThan(8);
        expect(text).not.toContain(password);
        // once per worker: the entrypoint's migrations ran in a process of their own (alembic's
        // logging set-up would otherwise have silenced these lines)
        expect(text.split("Using Redis to manage websockets.").length - 1).toBe(workers);
    });

    it("signs up, signs in and serves an authenticated call; sign-out writes the revocation into db 0 under the key prefix and the token gets 401", async () => {
        const user = await client.signIn(admin.email);
        expect((await client.me(user.token)).status).toBe(200);
        expect(tokenPayload(user.token).exp).toBeGreaterThan(Date.now() / 1000 + 27 * 86_400); // JWT_EXPIRES_IN=4w
        const key = `open-webui:auth:token:${user.jti}:revoked`;
        expect(await valkeyCli(docker, names.valkey, ["-n", "0", "EXISTS", key])).toBe("0");

        await client.signOut(user.token);
        expect(await valkeyCli(docker, names.valkey, ["-n", "0", "GET", key])).toBe("1");
        const ttl = Number(await valkeyCli(docker, names.valkey, ["-n", "0", "TTL", key]));
        const remaining = user.exp - Date.now() / 1000;
        expect(Math.abs(ttl - remaining)).toBeLessThan(10);
        expect((await client.me(user.token)).status).toBe(401);
        // another session of the same user is untouched
        expect((await client.me(admin.token)).status).toBe(200);
        revoked = user;
    });
    let revoked: SignedIn | undefined;

    it("keeps refusing the revoked token after Valkey is killed with kill -9 and restarts; Open WebUI serves again without a restart", async () => {
        expect(revoked).toBeDefined();
        // appendfsync everysec: a record older than a second is on disk
        await new Promise((r) => setTimeout(r, 1500));
        const before = await inspect(docker, names.valkey);
        const openWebUIBefore = await inspect(docker, names.openWebUI);
        process.kill(before.State.Pid, "SIGKILL");
        const killedAt = Date.now();
        await waitFor("Valkey to be restarted", 30_000, async () => ((await inspect(docker, names.valkey)).RestartCount > before.RestartCount ? true : undefined), 100);
        await waitForHealth(docker, names.valkey, "healthy", 30_000);
        let attempt = 0;
        await waitFor("a sign-in through Open WebUI", 60_000, async () => {
            const r = await client.signInResponse(users[attempt++ % users.length].email);
            return r.status === 200 ? true : undefined;
        }, 100);
        const back = Date.now() - killedAt;
        expect((await client.me((revoked as SignedIn).token)).status).toBe(401);
        expect(await valkeyCli(docker, names.valkey, ["-n", "0", "GET", `open-webui:auth:token:${(revoked as SignedIn).jti}:revoked`])).toBe("1");
        const openWebUIAfter = await inspect(docker, names.openWebUI);
        expect(openWebUIAfter.Id).toBe(openWebUIBefore.Id);
        expect(openWebUIAfter.State.StartedAt).toBe(openWebUIBefore.State.StartedAt);
        expect(openWebUIAfter.RestartCount).toBe(openWebUIBefore.RestartCount);
        console.log(`${stack}: sign-in works again ${back} ms after Valkey's kill -9`);
    });

    it("delivers a Socket.IO event emitted by a request to every connected client of the user, through Valkey (on prod across workers)", async () => {
        const me = await client.signIn(admin.email);
        const channel = await client.createChannel(me.token, `crossing-${stack}`);
        const sockets: EventSocket[] = [];
        try {
            for (let i = 0; i < 8; i++) sockets.push(await client.connectSocket(me.token));
            // each process with a local member of the user's room subscribes to that room's channel
            const subscribers = await waitFor("the room's subscriptions", 10_000, async () => {
                const reply = (await valkeyCli(docker, names.valkey, ["PUBSUB", "NUMSUB", `socketio#/#user:${me.id}`])).split("\n");
                const n = Number(reply[1]);
                return n >= Math.min(workers, 2) ? n : undefined;
            });
            expect(subscribers).toBeLessThanOrEqual(workers);
            for (const muted of [true, false]) {
                const since = Date.now();
                await client.setChannelMuted(me.token, channel, muted);
                await Promise.all(sockets.map((s) => s.next("events:channel", isMuteEvent(channel, muted), 10_000, since)));
            }
            console.log(`${stack}: 8 clients held by ${subscribers} of ${workers} worker(s) all received both events`);
        } finally {
            for (const s of sockets) s.close();
        }
    });

    it("answers many concurrent authenticated requests, all successfully", async () => {
        const tokens = [admin.token, ...users.map((u) => u.token)];
        const total = 240;
        const concurrency = 24;
        const statuses: number[] = [];
        let next = 0;
        await Promise.all(
            Array.from({ length: concurrency }, async () => {
                while (next < total) {
                    const i = next++;
                    statuses.push((await client.me(tokens[i % tokens.length])).status);
                }
            }),
        );
        expect(statuses.length).toBe(total);
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
    });
});
