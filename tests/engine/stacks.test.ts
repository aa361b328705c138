// Each stack, realized on a real engine with a real Valkey 8.0.1 and the real Open WebUI 0.12.4:
// Valkey healthy with the declared server settings; Open WebUI given the exact URLs and using them
// as declared (db 0 for app state, db 1 for the Socket.IO manager, authenticated, under the key
// prefix, keepalive on), proven by what Valkey sees; Valkey hardened and closed to strangers.
import { readFileSync } from "fs";
import Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import type { Realization } from "../../tools/realize/realizer";
import {
    CONTAINER,
    OPEN_WEBUI_SECRETS_FILE,
    capabilityMask,
    cleanUp,
    engine,
    envOf,
    exec,
    healthOf,
    httpGet,
    inspect,
    limit,
    mainProcess,
    planResource,
    realizeStack,
    runLabel,
    shellValue,
    uploadOf,
    valkeyCli,
    waitFor,
} from "./harness";
import { OpenWebUIClient, SignedIn } from "./openWebUIClient";

jest.setTimeout(180_000);

/** The address of a container on its (only) network. */
function addressOf(info: Dockerode.ContainerInspectInfo): string {
    const address = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
    if (!address) throw new Error(`${info.Name} has no address`);
    return address;
}

/** Valkey's CLIENT LIST, one record per connection (addr, laddr, db, user, flags, ...). */
async function clientList(docker: Dockerode, valkey: string): Promise<Array<Record<string, string>>> {
    const lines = (await valkeyCli(docker, valkey, ["CLIENT", "LIST"])).split("\n").filter((l) => l.startsWith("id="));
    return lines.map((l) => Object.fromEntries(l.split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])));
}

/** What MONITOR printed while `action` ran: each command with the db and the client address it came from. */
async function monitorValkey(docker: Dockerode, valkey: string, action: () => Promise<void>): Promise<Array<{ db: string; addr: string; command: string }>> {
    const running = exec(docker, valkey, ["timeout", "20", "valkey-cli", "MONITOR"]);
    await waitFor("MONITOR to attach", 10_000, async () => ((await clientList(docker, valkey)).some((e) => e.cmd === "monitor") ? true : undefined), 100);
    try {
        await action();
        await new Promise((r) => setTimeout(r, 500));
    } finally {
        for (const e of (await clientList(docker, valkey)).filter((c) => c.cmd === "monitor")) await valkeyCli(docker, valkey, ["CLIENT", "KILL", "ID", e.id]);
    }
    const { stdout } = await running;
    return stdout.split("\n").flatMap((l) => {
        const m = /^\d+\.\d+ \[(\d+) ([^\]]+)\] (.*)$/.exec(l.trim());
        return m ? [{ db: m[1], addr: m[2], command: m[3] }] : [];
    });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The `tr` column of /proc/net/tcp for a keepalive timer. */
const KEEPALIVE_TIMER = 2;
/** The established TCP sockets in a process's network namespace to `remote` ("ip:port"), by local "ip:port", with their timer. */
function tcpSockets(pid: number, remote: string): Map<string, number> {
    const hex = (endpoint: string) => {
        const [ip, port] = endpoint.split(":");
        const [a, b, c, d] = ip.split(".").map(Number);
        return `${[d, c, b, a].map((n) => n.toString(16).padStart(2, "0")).join("").toUpperCase()}:${Number(port).toString(16).padStart(4, "0").toUpperCase()}`;
    };
    const endpoint = (h: string) => {
        const [ip, port] = h.split(":");
        const bytes = [6, 4, 2, 0].map((i) => parseInt(ip.slice(i, i + 2), 16));
        return `${bytes.join(".")}:${parseInt(port, 16)}`;
    };
    const sockets = new Map<string, number>();
    for (const line of readFileSync(`/proc/${pid}/net/tcp`, "utf8").split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 6 || f[2] !== hex(remote) || f[3] !== "01") continue;
        sockets.set(endpoint(f[1]), parseInt(f[5].split(":")[0], 16));
    }
    return sockets;
}

describe.each([
    ["dev", { valkey: "dev-valkey", web: "dev-open-webui", port: 3000, maxclients: 10000, nproc: undefined as number | undefined, maxmemory: "0" }],
    ["prod", { valkey: "prod-valkey", web: "prod-open-webui", port: 3100, maxclients: 10000, nproc: 256, maxmemory: String(384 * 1024 * 1024) }],
])("the %s stack on a real engine", (stack, expected) => {
    let docker: Dockerode;
    let plan: Plan;
    let realization: Realization | undefined;
    const label = runLabel(`stack-${stack}`);

    beforeAll(async () => {
        docker = await engine();
        ({ plan, realization } = await realizeStack(docker, label, stack));
    });
    afterAll(async () => {
        await cleanUp(docker, label, realization ? [realization] : []);
    });

    it("Valkey is healthy and runs with the declared settings", async () => {
        expect(await healthOf(docker, expected.valkey)).toBe("healthy");
        const get = async (key: string) => (await valkeyCli(docker, expected.valkey, ["CONFIG", "GET", key])).split("\n")[1];
        expect(await get("timeout")).toBe("1800");
        expect(await get("maxclients")).toBe(String(expected.maxclients));
        expect(await get("save")).toBe("30 1");
        expect(await get("appendonly")).toBe("yes");
        expect(await get("appendfsync")).toBe("everysec");
        expect(await get("maxmemory-policy")).toBe("noeviction");
        expect(await get("maxmemory")).toBe(expected.maxmemory);
        expect(await get("tcp-keepalive")).toBe("300");
    });

    it("the real Open WebUI uses the exact REDIS_URL and WEBSOCKET_REDIS_URL it was given: db 0 and db 1 of this Valkey, authenticated, under the key prefix", async () => {
        const declared = envOf(planResource(plan, "open-webui-container"));
        const password = envOf(planResource(plan, "valkey-container")).REDISCLI_AUTH;
        // The URLs carry the password: they come in the uploaded secrets file its entrypoint sources,
        // not in the container's environment (docker inspect), and reach the server's process exactly.
        const secrets = uploadOf(plan, "open-webui-container", OPEN_WEBUI_SECRETS_FILE).content;
        const urls = [`REDIS_URL=${shellValue(secrets, "REDIS_URL")}`, `WEBSOCKET_REDIS_URL=${shellValue(secrets, "WEBSOCKET_REDIS_URL")}`];
        const inspected = (await inspect(docker, expected.web)).Config.Env ?? [];
        expect(inspected.filter((e) => /^(WEBSOCKET_)?REDIS_URL=/.test(e))).toEqual([]);
        const { pid } = await mainProcess(docker, expected.web);
        const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
        expect(environ).toEqual(expect.arrayContaining(urls));
        const env = Object.fromEntries(environ.filter((e) => e.includes("=")).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
        for (const [name, db] of [["REDIS_URL", "0"], ["WEBSOCKET_REDIS_URL", "1"]] as const) {
            const url = new URL(env[name]);
            expect([name, url.protocol, url.hostname, url.port, url.pathname, url.username, decodeURIComponent(url.password)]).toEqual([name, "redis:", "valkey", "6379", `/${db}`, "", password]);
        }
        expect(env.REDIS_KEY_PREFIX).toBe("open-webui");
        expect(JSON.parse(env.WEBSOCKET_REDIS_OPTIONS)).toEqual(JSON.parse(declared.WEBSOCKET_REDIS_OPTIONS));
        expect(JSON.parse(env.WEBSOCKET_REDIS_OPTIONS)).toMatchObject({ socket_keepalive: true });
        expect((await httpGet(expected.port, "/health")).status).toBe(200);

        // What the server does with them, seen from Valkey. It must authenticate: the server has a password.
        expect(await valkeyCli(docker, expected.valkey, ["CONFIG", "GET", "requirepass"])).toBe(`requirepass\n${password}`);
        const web = addressOf(await inspect(docker, expected.web));
        const valkey = addressOf(await inspect(docker, expected.valkey));
        // Connections from Open WebUI's address to this Valkey (the alias "valkey" resolved to it), in db 0 and db 1.
        const clients = await waitFor("Open WebUI's connections in db 0 and db 1", 30_000, async () => {
            const c = (await clientList(docker, expected.valkey)).filter((e) => e.addr.startsWith(`${web}:`));
            return new Set(c.map((e) => e.db)).size === 2 ? c : undefined;
        });
        expect([...new Set(clients.map((e) => e.db))].sort()).toEqual(["0", "1"]);
        for (const e of clients) expect([e.laddr, e.user]).toEqual([`${valkey}:6379`, "default"]);
        // Subscribed (an authenticated command) to the Socket.IO manager's channel and the prefixed task channel.
        const channels = (await valkeyCli(docker, expected.valkey, ["PUBSUB", "CHANNELS"])).split("\n");
        expect(channels).toEqual(expect.arrayContaining(["socketio", "open-webui:tasks:commands"]));

        // Effects of the server's own operations, watched by MONITOR (which names each command's db and client).
        const client = new OpenWebUIClient(expected.port);
        const email = `admin@stack-${stack}.test`;
        let signedIn: SignedIn | undefined;
        let sid = "";
        const monitor = await monitorValkey(docker, expected.valkey, async () => {
            await client.signUp(email);
            signedIn = await client.signIn(email);
            const socket = await client.connectSocket(signedIn.token);
            try {
                sid = socket.socket.id as string;
                // The Socket.IO session lands in db 1 (WEBSOCKET_REDIS_URL) under the prefix, not in db 0.
                await waitFor("the Socket.IO session in db 1", 10_000, async () => ((await valkeyCli(docker, expected.valkey, ["-n", "1", "HEXISTS", "open-webui:session_pool", sid])) === "1" ? true : undefined));
                expect(await valkeyCli(docker, expected.valkey, ["-n", "0", "EXISTS", "open-webui:session_pool"])).toBe("0");
            } finally {
                socket.close();
            }
            await client.signOut(signedIn.token);
        });
        const from = (db: string, pattern: RegExp) => monitor.filter((l) => l.db === db && l.addr.startsWith(`${web}:`) && pattern.test(l.command));
        const ratelimit = `open-webui:ratelimit:${email}:`;
        const revoked = `open-webui:auth:token:${signedIn!.jti}:revoked`;
        expect(from("0", new RegExp(`^"INCRBY" "${escape(ratelimit)}\\d+"`))).not.toEqual([]);
        expect(from("0", new RegExp(`"${escape(revoked)}"`))).not.toEqual([]);
        expect(from("1", new RegExp(`^"HSET" "open-webui:session_pool" "${escape(sid)}"`))).not.toEqual([]);
        // ...and what they left: the rate-limit count and the revocation in db 0 only.
        expect(await valkeyCli(docker, expected.valkey, ["-n", "0", "--scan", "--pattern", `${ratelimit}*`])).toMatch(new RegExp(`^${escape(ratelimit)}\\d+$`, "m"));
        expect(await valkeyCli(docker, expected.valkey, ["-n", "1", "--scan", "--pattern", `${ratelimit}*`])).toBe("");
        expect(await valkeyCli(docker, expected.valkey, ["-n", "0", "GET", revoked])).toBe("1");
        expect(await valkeyCli(docker, expected.valkey, ["-n", "1", "EXISTS", revoked])).toBe("0");
        expect((await client.me(signedIn!.token)).status).toBe(401);

        // socket_keepalive: every connection of Open WebUI to Valkey, those in db 1 included, has its keepalive timer armed.
        const sockets = tcpSockets(pid, `${valkey}:6379`);
        const now = (await clientList(docker, expected.valkey)).filter((e) => e.addr.startsWith(`${web}:`) && Number(e.age) >= 2);
        expect(now.some((e) => e.db === "1")).toBe(true);
        for (const e of now) {
            const local = e.addr;
            expect([local, e.db, sockets.get(local)]).toEqual([local, e.db, KEEPALIVE_TIMER]);
        }

        const logs = (await docker.getContainer(expected.web).logs({ stdout: true, stderr: true })).toString();
        expect(logs).not.toContain(password);
    });

    it("hardening holds: uid 999, no effective capability, the declared bounding set, no-new-privileges, limits", async () => {
        const p = await mainProcess(docker, expected.valkey);
        expect(p.status.Name).toMatch(/^valkey-server/);
        expect(p.status.Uid.split(/\s+/)).toEqual(["999", "999", "999", "999"]);
        expect(BigInt(`0x${p.status.CapEff}`)).toBe(0n);
        expect(BigInt(`0x${p.status.CapPrm}`)).toBe(0n);
        expect(BigInt(`0x${p.status.CapBnd}`)).toBe(capabilityMask(["DAC_OVERRIDE", "SETGID", "SETUID"]));
        expect(p.status.NoNewPrivs).toBe("1");
        expect(limit(p.limits, "Max open files")).toEqual([String(expected.maxclients + 32), String(expected.maxclients + 32)]);
        if (expected.nproc !== undefined) {
            expect(limit(p.limits, "Max processes")).toEqual([String(expected.nproc), String(expected.nproc)]);
        }
        const write = await exec(docker, expected.valkey, ["sh", "-c", "echo x > /usr/local/bin/planted"]);
        expect(write.code).not.toBe(0);
        expect(write.stderr).toMatch(/Read-only file system/);
        expect((await exec(docker, expected.valkey, ["sh", "-c", "echo x > /data/writable && rm /data/writable"])).code).toBe(0);
        const host = (await inspect(docker, expected.valkey)).HostConfig;
        expect(host.ReadonlyRootfs).toBe(true);
        expect(host.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(host.LogConfig).toEqual({ Type: "json-file", Config: { "max-file": "1", "max-size": "1m" } });
        expect(host.RestartPolicy?.Name).toBe("unless-stopped");
    });

    it("strangers are refused, and no Valkey port is published on the host", async () => {
        const anonymous = await exec(docker, expected.valkey, ["env", "-u", "REDISCLI_AUTH", "valkey-cli", "PING"]);
        expect(`${anonymous.stdout}${anonymous.stderr}`.trim()).toMatch(/^NOAUTH Authentication required/);
        expect(await valkeyCli(docker, expected.valkey, ["PING"], ["REDISCLI_AUTH=wrong-password"])).toMatch(/WRONGPASS|invalid username-password/);
        // Another container on the network, without the password.
        const stranger = await exec(docker, expected.web, ["python3", "-c", "import redis\ntry:\n    redis.Redis(host='valkey').ping()\nexcept Exception as e:\n    print(type(e).__name__, e)"]);
        expect(stranger.stdout).toMatch(/AuthenticationError|NOAUTH/);
        const info = await inspect(docker, expected.valkey);
        expect(info.HostConfig.PortBindings ?? {}).toEqual({});
        expect(info.NetworkSettings.Ports["6379/tcp"] ?? null).toBeNull();
        expect(planResource(plan, "valkey-container", CONTAINER).inputs.ports).toBeUndefined();
    });
});
