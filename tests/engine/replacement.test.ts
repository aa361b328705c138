// Day two on a real engine: a change that replaces Valkey replaces Valkey only, stops the old server
// gracefully (exit 0 after its shutdown save, not a kill), and the real Open WebUI keeps running and
// signs users in again by itself (sign-in needs Valkey: its rate limit counts there), against the
// new server. The replacement applied is the one the offline diff proposes, so the test also
// holds the diff to what the engine then does.
//
// The grace period comes from the OLD container's state, as in the provider's Delete: a container
// created without one is still killed when it is replaced, even by a declaration that has one.
import Dockerode from "dockerode";
import { diffPlans } from "../../tools/plan/diff";
import type { Plan, PlanResource } from "../../tools/plan/evaluate";
import { Realization, replaceContainer } from "../../tools/realize/realizer";
import { cleanUp, engine, httpGet, inspect, planResource, realizablePlan, realizeStack, runLabel, valkeyCli, waitFor, watchExit } from "./harness";
import { OpenWebUIClient, SignedIn, TEST_PASSWORD } from "./openWebUIClient";

jest.setTimeout(240_000);

/** One sign-in attempt of the poll: when it started and ended, and its HTTP status (-1: no answer). */
interface Attempt {
    start: number;
    end: number;
    status: number;
}

/** Slower than this, a sign-in counts as disrupted (they take about 0.4 s when Valkey is there). */
const SLOW_MS = 2000;

/**
 * Signs in every 200 ms, rotating over `emails` (Open WebUI limits sign-ins to 15 per email in 3
 * minutes), with up to 3 attempts in flight (more would queue behind each other's password hashing): a sign-in waiting on a lost Valkey connection does not
 * stop the next ones from starting, so the moment sign-in works again is seen to within a poll.
 */
function pollSignIn(client: OpenWebUIClient, emails: string[]): { stop(): Promise<Attempt[]> } {
    let running = true;
    let next = 0;
    const attempts: Attempt[] = [];
    const inFlight = new Set<Promise<void>>();
    const loop = (async () => {
        while (running) {
            if (inFlight.size < 3) {
                const email = emails[next++ % emails.length];
                const a: Attempt = { start: Date.now(), end: 0, status: -1 };
                attempts.push(a);
                const p: Promise<void> = client
                    .signInResponse(email)
                    .then((r) => void (a.status = r.status))
                    .catch(() => undefined)
                    .finally(() => {
                        a.end = Date.now();
                        inFlight.delete(p);
                    });
                inFlight.add(p);
            }
            await new Promise((r) => setTimeout(r, 200));
        }
    })();
    return {
        async stop() {
            running = false;
            await loop;
            await Promise.all([...inFlight]);
            return attempts;
        },
    };
}

/**
 * The sign-in outage the poll saw: from the start of the first attempt that failed or was slow to
 * the end of the first prompt success started after the last such attempt.
 */
function outageOf(attempts: Attempt[], since: number) {
    const bad = (a: Attempt) => a.status !== 200 || a.end - a.start > SLOW_MS;
    const disrupted = attempts.filter(bad);
    const statuses = [...new Set(disrupted.map((a) => a.status))].sort();
    const slowest = Math.max(0, ...attempts.map((a) => a.end - a.start));
    // When each disrupted attempt started (relative to `since`), how long it took, and its status.
    const timeline = disrupted.map((a) => `${a.start - since}+${a.end - a.start}ms:${a.status}`).join(" ");
    if (disrupted.length === 0) return { disrupted: 0, statuses, slowest, timeline, outageMs: 0, worksAgainAfterMs: 0 };
    const firstBad = Math.min(...disrupted.map((a) => a.start));
    const lastBad = Math.max(...disrupted.map((a) => a.start));
    const back = attempts.filter((a) => !bad(a) && a.start > lastBad).sort((x, y) => x.end - y.end)[0];
    const recovered = back?.end ?? Number.NaN;
    return { disrupted: disrupted.length, statuses, slowest, timeline, outageMs: recovered - firstBad, worksAgainAfterMs: recovered - since };
}

function withoutGrace(resource: PlanResource): PlanResource {
    const inputs = { ...resource.inputs };
    delete inputs.destroyGraceSeconds;
    delete inputs.stopTimeout;
    return { ...resource, inputs };
}

describe.each([
    ["dev", 3311],
    ["prod", 3312],
])("replacing Valkey on the %s stack", (stack, webPort) => {
    let docker: Dockerode;
    let before: Plan;
    let realization: Realization | undefined;
    const label = runLabel(`replace-${stack}`);
    const prefix = `repl-${stack}`;
    const VALKEY = `${prefix}-valkey`;
    const WEB = `${prefix}-open-webui`;
    const config = { namePrefix: prefix, openWebUIHostPort: webPort };
    const client = new OpenWebUIClient(webPort);
    let admin: SignedIn;
    const emails: string[] = [];

    beforeAll(async () => {
        docker = await engine();
        ({ plan: before, realization } = await realizeStack(docker, label, stack, config));
        await waitFor("Open WebUI healthy", 60_000, async () => ((await httpGet(webPort, "/health")).status === 200 ? true : undefined));
        admin = await client.signUp(`admin@${prefix}.test`);
        // Enough users that the poll stays far below 15 sign-ins per user in 3 minutes.
        for (let i = 0; i < 24; i++) {
            const email = `user${i}@${prefix}.test`;
            const r = await client.request("POST", "/api/v1/auths/add", { name: `user${i}`, email, password: TEST_PASSWORD, role: "user" }, admin.token);
            if (r.status !== 200) throw new Error(`adding ${email}: ${r.status} ${JSON.stringify(r.body)}`);
            emails.push(email);
        }
    });
    afterAll(async () => {
        await cleanUp(docker, label, realization ? [realization] : []);
    });

    it("stops the old server gracefully and leaves Open WebUI running, as the diff proposes", async () => {
        // A Valkey-only change: the diff must replace the Valkey container and nothing else.
        const after = realizablePlan(stack, { ...config, valkeyMaxclients: 9000 });
        const changes = diffPlans(before, after).changes;
        const replaced = changes.filter((c) => c.kind === "replace").map((c) => c.name);
        expect(replaced).toEqual(["valkey-container"]);

        const web = await inspect(docker, WEB);
        const baseline: number[] = [];
        for (const email of emails.slice(0, 3)) {
            const t = Date.now();
            await client.signIn(email);
            baseline.push(Date.now() - t);
        }
        const oldId = (await inspect(docker, VALKEY)).Id;
        const exited = await watchExit(docker, oldId);
        const poll = pollSignIn(client, emails);
        await new Promise((r) => setTimeout(r, 1000)); // a second of sign-ins before the stop
        // Written just before the stop, not yet fsynced by `appendfsync everysec`: only the shutdown save keeps it.
        expect(await valkeyCli(docker, VALKEY, ["SET", "written-last", "saved-on-shutdown"])).toBe("OK");
        const started = Date.now();
        const newId = await replaceContainer(realization!, planResource(after, "valkey-container"));
        const replaceMs = Date.now() - started;
        const { code, logs } = await exited();
        let n = 0;
        await waitFor("a prompt sign-in again", 60_000, async () => {
            const t = Date.now();
            const r = await client.signInResponse(emails[n++ % emails.length]);
            return r.status === 200 && Date.now() - t <= SLOW_MS ? true : undefined;
        }, 100);
        await new Promise((r) => setTimeout(r, 1000)); // and a second of them after
        const attempts = await poll.stop();
        const outage = outageOf(attempts, started);

        expect(newId).not.toBe(oldId);
        expect(code).toBe(0);
        expect(logs).toMatch(/Received SIGTERM scheduling shutdown/);
        expect(logs).toMatch(/DB saved on disk/);
        expect(logs).toMatch(/ready to exit, bye bye/);
        expect(await valkeyCli(docker, VALKEY, ["GET", "written-last"])).toBe("saved-on-shutdown");
        expect(await valkeyCli(docker, VALKEY, ["CONFIG", "GET", "maxclients"])).toMatch(/9000/);
        // No refusal during the replacement (no 429 from the rate limit, no 401). Whether a sign-in is
        // delayed at all depends on timing: 0.12.4's rate limiter falls back to the worker's memory when
        // a Valkey call fails, so the outage is reported as a figure, not asserted (seen: 0 to 4 delayed).
        expect(attempts.filter((a) => a.status === 429 || a.status === 401)).toEqual([]);
        // Open WebUI was neither replaced nor restarted: it reconnected by itself, to the NEW server,
        // where a sign-in counts and a sign-out's revocation lands (db 0, under the prefix).
        const webAfter = await inspect(docker, WEB);
        expect([webAfter.Id, webAfter.State.StartedAt, webAfter.RestartCount]).toEqual([web.Id, web.State.StartedAt, web.RestartCount]);
        const user = await client.signIn(admin.email);
        expect(await valkeyCli(docker, VALKEY, ["-n", "0", "--scan", "--pattern", `open-webui:ratelimit:${admin.email}:*`])).toMatch(/:\d+$/m);
        await client.signOut(user.token);
        expect(await valkeyCli(docker, VALKEY, ["-n", "0", "GET", `open-webui:auth:token:${user.jti}:revoked`])).toBe("1");
        expect((await client.me(user.token)).status).toBe(401);
        const median = [...baseline].sort((a, b) => a - b)[1];
        process.stdout.write(
            `figure ${stack}: Valkey replaced in ${replaceMs} ms, old server exit code ${code}; Open WebUI replaced: no; ` +
                `sign-in outage ${outage.outageMs} ms (first disrupted attempt to the first prompt success after the last one), ` +
                `works again ${outage.worksAgainAfterMs} ms after the replacement began; ${outage.disrupted} of ${attempts.length} sign-ins ` +
                `failed or took > ${SLOW_MS} ms (statuses ${outage.statuses.join(",")}; slowest ${outage.slowest} ms; baseline median ${median} ms; ` +
                `disrupted: ${outage.timeline})\n`,
        );
    });

    it("reads the grace period from the old container: one created without it is killed on replacement", async () => {
        const valkey = planResource(before, "valkey-container");
        // Replace with a declaration that has no grace period (the old one, graceful, exits 0)...
        const graceless = await replaceContainer(realization!, withoutGrace(valkey));
        // About 60 MB of data, so that the shutdown save takes a few hundred milliseconds: with a timeout
        // of 0 the SIGKILL then lands during it, instead of racing a save of a few keys.
        const VALKEY_NAME = (await inspect(docker, graceless)).Name.replace(/^\//, "");
        expect(await valkeyCli(docker, VALKEY_NAME, ["EVAL", "for i = 1, 200000 do redis.call('SET', 'bulk:' .. i, string.rep('x', 256)) end return 1", "0"])).toBe("1");
        // ...then replace that one: the stop uses ITS (missing) grace, a timeout of 0, whatever the new one declares.
        const exited = await watchExit(docker, graceless);
        await replaceContainer(realization!, valkey);
        const { code, logs } = await exited();
        process.stdout.write(`figure ${stack}: a container without destroyGraceSeconds exits with ${code} on replacement\n`);
        expect(code).toBe(137);
        expect(logs).not.toMatch(/ready to exit, bye bye/);
    });
});
