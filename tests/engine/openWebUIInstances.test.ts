// Two Open WebUI instances of one deployment (one secret key, one key prefix, one PostgreSQL) on one
// ValkeyCache, realized from tests/engine/programs/two-instances: effects only a shared Valkey can
// produce, checked on the real server.
//   - a token signed out on one instance is refused by the other;
//   - the sign-in rate limit counted on one instance applies on the other;
//   - a Socket.IO event emitted through one instance reaches a client connected to the other.
import * as path from "path";
import { Realization, realize } from "../../tools/realize/realizer";
import { renderPlan } from "../helpers/planCli";
import { IMAGE_MAP, engineSession, valkeyCli, waitFor } from "./harness";
import { EventSocket, OpenWebUIClient, SignedIn, isMuteEvent } from "./openWebUIClient";

jest.setTimeout(300_000);

const PROGRAM = path.join(__dirname, "programs/two-instances");
const PREFIX = "owtwo";
const PORTS = [3331, 3332] as const;

const session = engineSession("openwebui-instances");
const first = new OpenWebUIClient(PORTS[0]);
const second = new OpenWebUIClient(PORTS[1]);
const valkey = `${PREFIX}-valkey`;
let realization: Realization;
let admin: SignedIn;

beforeAll(async () => {
    const plan = renderPlan("test", { project: PROGRAM, showSecrets: true, config: { namePrefix: PREFIX, firstHostPort: PORTS[0], secondHostPort: PORTS[1] } });
    realization = await realize(plan, { docker: session.docker, imageMap: IMAGE_MAP, runLabel: session.label });
    session.realizations.push(realization);
    admin = await first.signUp(`admin@${PREFIX}.test`);
});

it("runs two instances with one database: a user made on one signs in on the other", async () => {
    const user = await first.addUser(admin.token, `both@${PREFIX}.test`);
    const onSecond = await second.signIn(user.email);
    expect(onSecond.id).toBe(user.id);
});

it("refuses on the second instance a token signed out on the first", async () => {
    const session1 = await first.signIn(admin.email);
    // one secret key: a token signed by the first is valid on the second
    expect((await second.me(session1.token)).status).toBe(200);
    await first.signOut(session1.token);
    expect(await valkeyCli(realization.docker, valkey, ["-n", "0", "GET", `open-webui:auth:token:${session1.jti}:revoked`])).toBe("1");
    expect((await second.me(session1.token)).status).toBe(401);
    expect((await first.me(session1.token)).status).toBe(401);
});

it("applies on the second instance the sign-in rate limit counted on the first", async () => {
    const email = `limited@${PREFIX}.test`;
    await first.addUser(admin.token, email);
    // 15 attempts per 3 minutes per email (routers/auths.py signin_rate_limiter); one was the add's sign-in
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await first.signInResponse(email, "wrong-password")).status);
    expect(statuses.every((s) => s === 400 || s === 401 || s === 403)).toBe(true);
    // the right password, on the other instance: refused by the shared count
    const onSecond = await second.signInResponse(email);
    expect(onSecond.status).toBe(429);
    // a user without failed attempts is not limited there
    expect((await second.signInResponse(admin.email)).status).toBe(200);
});

it("delivers to a client connected to one instance the Socket.IO event emitted through the other, both ways", async () => {
    const me = await first.signIn(admin.email);
    const channel = await first.createChannel(me.token, "crossing");
    const sockets: EventSocket[] = [];
    try {
        const onFirst = await first.connectSocket(me.token);
        const onSecond = await second.connectSocket(me.token);
        sockets.push(onFirst, onSecond);
        // both instances subscribe to the user's room channel
        await waitFor("both instances to subscribe to the user's room", 10_000, async () => {
            const reply = (await valkeyCli(realization.docker, valkey, ["PUBSUB", "NUMSUB", `socketio#/#user:${me.id}`])).split("\n");
            return Number(reply[1]) === 2 ? true : undefined;
        });
        let since = Date.now();
        await first.setChannelMuted(me.token, channel, true);
        await onSecond.next("events:channel", isMuteEvent(channel, true), 10_000, since);
        since = Date.now();
        await second.setChannelMuted(me.token, channel, false);
        await onFirst.next("events:channel", isMuteEvent(channel, false), 10_000, since);
    } finally {
        for (const s of sockets) s.close();
    }
});
