// The idle-timeout rule with the real client (redis-py as Open WebUI 0.12.4 pins it): Valkey closes
// connections idle longer than its `timeout`; the client health-checks a pooled connection idle
// longer than REDIS_HEALTH_CHECK_INTERVAL before using it. With a 5 s timeout:
//   - interval 2 s (below the timeout, as the component requires): after 12 s of silence, requests
//     that need Valkey (sign-in, sign-out writing the revocation, the revoked token's 401, a
//     Socket.IO event) all succeed;
//   - interval 10 s (at or above the timeout: the component refuses it, so the plan is edited after
//     rendering, outside the component): what really happens is measured and reported, and the
//     assertions state only what was observed on this engine.
import type Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import { realize } from "../../tools/realize/realizer";
import { IMAGE_MAP, engineSession, planResource, realizablePlan, valkeyCli } from "./harness";
import { OpenWebUIClient, captureLogsFromStart, isMuteEvent } from "./openWebUIClient";

jest.setTimeout(300_000);

const TIMEOUT_SECONDS = 5;
const IDLE_MS = 12_000;
const session = engineSession("openwebui-idle");

/** The dev plan with a short server timeout and the given client health-check interval. */
function idlePlan(prefix: string, port: number, intervalSeconds: number): Plan {
    const allowed = Math.min(intervalSeconds, TIMEOUT_SECONDS - 1);
    const plan = realizablePlan("dev", {
        namePrefix: prefix,
        openWebUIHostPort: port,
        valkeyTimeoutSeconds: TIMEOUT_SECONDS,
        redisHealthCheckIntervalSeconds: allowed,
        openWebUIExtraEnvs: '["ENABLE_CHANNELS=true"]',
    });
    if (allowed === intervalSeconds) return plan;
    // Outside the component, which refuses an interval not below the timeout: the same plan with
    // the interval raised where Open WebUI reads it (its env and the websocket client's options).
    const container = planResource(plan, "open-webui-container");
    const envs = (container.inputs.envs as string[]).map((e) => {
        if (e.startsWith("REDIS_HEALTH_CHECK_INTERVAL=")) return `REDIS_HEALTH_CHECK_INTERVAL=${intervalSeconds}`;
        if (e.startsWith("WEBSOCKET_REDIS_OPTIONS=")) {
            const options = JSON.parse(e.slice(e.indexOf("=") + 1));
            return `WEBSOCKET_REDIS_OPTIONS=${JSON.stringify({ ...options, health_check_interval: intervalSeconds })}`;
        }
        return e;
    });
    container.inputs.envs = envs;
    return plan;
}

async function connectionsReceived(docker: Dockerode, valkey: string): Promise<number> {
    const info = await valkeyCli(docker, valkey, ["INFO", "stats"]);
    return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
}

interface IdleOutcome {
    statuses: Record<string, number>;
    eventReceived: boolean;
    reconnections: number;
    redisErrorLines: string[];
}

/** Signs in, stays silent for IDLE_MS, then uses Valkey through Open WebUI in four ways. */
async function afterIdle(prefix: string, port: number, intervalSeconds: number): Promise<IdleOutcome> {
    const docker = session.docker;
    const valkey = `${prefix}-valkey`;
    const logs = await captureLogsFromStart(docker, `${prefix}-open-webui`);
    try {
        session.realizations.push(await realize(idlePlan(prefix, port, intervalSeconds), { docker, imageMap: IMAGE_MAP, runLabel: session.label }));
        expect(await valkeyCli(docker, valkey, ["CONFIG", "GET", "timeout"])).toBe(`timeout\n${TIMEOUT_SECONDS}`);
        const client = new OpenWebUIClient(port);
        const admin = await client.signUp(`admin@${prefix}.test`);
        const channel = await client.createChannel(admin.token, "idle");
        // another user signs in and out: sign-out disconnects the user's own sockets
        const user = await client.addUser(admin.token, `user@${prefix}.test`);
        const socket = await client.connectSocket(admin.token);
        const logged = logs.text().length;
        const before = await connectionsReceived(docker, valkey);

        await new Promise((r) => setTimeout(r, IDLE_MS));

        const statuses: Record<string, number> = {};
        const signedIn = await client.signInResponse(user.email);
        statuses.signIn = signedIn.status;
        const token = signedIn.body?.token ?? "";
        statuses.signOut = (await client.request("POST", "/api/v1/auths/signout", undefined, token)).status;
        statuses.revokedToken = (await client.me(token)).status;
        const since = Date.now();
        await client.setChannelMuted(admin.token, channel, true);
        const eventReceived = await socket.next("events:channel", isMuteEvent(channel, true), 10_000, since).then(
            () => true,
            () => false,
        );
        socket.close();
        const reconnections = (await connectionsReceived(docker, valkey)) - before;
        const redisErrorLines = logs
            .text()
            .slice(logged)
            .split("\n")
            .filter((l) => /ConnectionError|Connection closed|Revocation check failed|Error .*redis|redis.*Error/i.test(l));
        console.log(`interval ${intervalSeconds} s, timeout ${TIMEOUT_SECONDS} s, ${IDLE_MS / 1000} s idle: ${JSON.stringify(statuses)}, event ${eventReceived}, ${reconnections} new connection(s) to Valkey, ${redisErrorLines.length} Redis error line(s)${redisErrorLines.length ? `: ${redisErrorLines.slice(0, 3).join(" | ")}` : ""}`);
        return { statuses, eventReceived, reconnections, redisErrorLines };
    } finally {
        logs.stop();
    }
}

it("an interval below the server timeout: after an idle period longer than the timeout, requests through Valkey succeed", async () => {
    const outcome = await afterIdle("owidle", 3341, 2);
    expect(outcome.statuses).toEqual({ signIn: 200, signOut: 200, revokedToken: 401 });
    expect(outcome.eventReceived).toBe(true);
    expect(outcome.redisErrorLines).toEqual([]);
    // the server closed the idle pooled connections; the client's health check replaced them
    expect(outcome.reconnections).toBeGreaterThan(0);
});

it("an interval at or above the server timeout (refused by the component): what the pinned client does after the server dropped its connections", async () => {
    const outcome = await afterIdle("owidle2", 3342, 10);
    expect(outcome.reconnections).toBeGreaterThan(0);
    expect(outcome.eventReceived).toBe(true);
    expect(outcome.statuses).toEqual({ signIn: 200, signOut: 200, revokedToken: 401 });
});
