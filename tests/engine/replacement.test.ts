// Day two on a real engine: a change that replaces Valkey replaces Valkey only, stops the old server
// gracefully (exit 0 after its shutdown save, not a kill), and Open WebUI keeps running and serves
// again by itself. The replacement applied is the one the offline diff proposes, so the test also
// holds the diff to what the engine then does.
//
// The grace period comes from the OLD container's state, as in the provider's Delete: a container
// created without one is still killed when it is replaced, even by a declaration that has one.
import Dockerode from "dockerode";
import { diffPlans } from "../../tools/plan/diff";
import type { Plan, PlanResource } from "../../tools/plan/evaluate";
import { Realization, replaceContainer } from "../../tools/realize/realizer";
import { cleanUp, engine, httpGet, inspect, planResource, realizablePlan, realizeStack, runLabel, valkeyCli, waitFor, watchExit } from "./harness";

jest.setTimeout(240_000);

/** The stand-in checks Valkey every half second, so /health follows Valkey's availability closely. */
const FAST_CHECKS = '["STANDIN_CHECK_INTERVAL=0.5"]';

/** Polls Open WebUI's /health on the host every 100 ms; reports the longest run of failures. */
function pollHealth(port: number): { stop(): Promise<{ polls: number; failed: number; longestOutageMs: number }> } {
    let running = true;
    let polls = 0;
    let failed = 0;
    let outageStart: number | undefined;
    let longest = 0;
    const loop = (async () => {
        while (running) {
            const t = Date.now();
            let ok = false;
            try {
                ok = (await httpGet(port, "/health")).status === 200;
            } catch {
                ok = false;
            }
            polls++;
            if (!ok) {
                failed++;
                outageStart ??= t;
            } else if (outageStart !== undefined) {
                longest = Math.max(longest, t - outageStart);
                outageStart = undefined;
            }
            await new Promise((r) => setTimeout(r, 100));
        }
    })();
    return {
        async stop() {
            running = false;
            await loop;
            if (outageStart !== undefined) longest = Math.max(longest, Date.now() - outageStart);
            return { polls, failed, longestOutageMs: longest };
        },
    };
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
    const config = { namePrefix: prefix, openWebUIHostPort: webPort, openWebUIExtraEnvs: FAST_CHECKS };

    beforeAll(async () => {
        docker = await engine();
        ({ plan: before, realization } = await realizeStack(docker, label, stack, config));
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
        await waitFor("Open WebUI healthy", 60_000, async () => ((await httpGet(webPort, "/health")).status === 200 ? true : undefined));
        // Written just before the stop, not yet fsynced by `appendfsync everysec`: only the shutdown save keeps it.
        expect(await valkeyCli(docker, VALKEY, ["SET", "written-last", "saved-on-shutdown"])).toBe("OK");
        const oldId = (await inspect(docker, VALKEY)).Id;
        const exited = await watchExit(docker, oldId);
        const health = pollHealth(webPort);
        const started = Date.now();
        const newId = await replaceContainer(realization!, planResource(after, "valkey-container"));
        const replaceMs = Date.now() - started;
        const { code, logs } = await exited();
        await waitFor("Open WebUI healthy again", 60_000, async () => ((await httpGet(webPort, "/health")).status === 200 ? true : undefined), 100);
        const outage = await health.stop();

        expect(newId).not.toBe(oldId);
        expect(code).toBe(0);
        expect(logs).toMatch(/Received SIGTERM scheduling shutdown/);
        expect(logs).toMatch(/DB saved on disk/);
        expect(logs).toMatch(/ready to exit, bye bye/);
        expect(await valkeyCli(docker, VALKEY, ["GET", "written-last"])).toBe("saved-on-shutdown");
        expect(await valkeyCli(docker, VALKEY, ["CONFIG", "GET", "maxclients"])).toMatch(/9000/);
        // Open WebUI was neither replaced nor restarted: it reconnected by itself.
        const webAfter = await inspect(docker, WEB);
        expect([webAfter.Id, webAfter.State.StartedAt, webAfter.RestartCount]).toEqual([web.Id, web.State.StartedAt, web.RestartCount]);
        process.stdout.write(
            `figure ${stack}: Valkey replaced in ${replaceMs} ms, old server exit code ${code}; Open WebUI replaced: no; ` +
                `Open WebUI /health outage ${(outage.longestOutageMs / 1000).toFixed(1)} s (${outage.failed} of ${outage.polls} polls failed)\n`,
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
