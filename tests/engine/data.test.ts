// Data survives: keys written before a container replacement (same volume) are there after it, and
// after `kill -9` of the server the restart policy brings it back healthy with its data.
//
// With appendonly yes and appendfsync everysec, the AOF is fsynced once a second: a crash loses at
// most the writes of the last second or two (Valkey's own bound is 2 s when a fsync is slow). The
// test writes, waits 2.5 s (past that window), then kills.
import Dockerode from "dockerode";
import { Realization, replaceContainer } from "../../tools/realize/realizer";
import { cleanUp, engine, inspect, planResource, realizeStack, runLabel, valkeyCli, waitFor, waitForHealth } from "./harness";
import type { Plan } from "../../tools/plan/evaluate";

jest.setTimeout(180_000);

describe.each([
    ["dev", 3203],
    ["prod", 3204],
])("on the %s stack", (stack, webPort) => {
    let docker: Dockerode;
    let plan: Plan;
    let realization: Realization | undefined;
    const label = runLabel(`data-${stack}`);
    const VALKEY = `keep-${stack}-valkey`;

    beforeAll(async () => {
        docker = await engine();
        ({ plan, realization } = await realizeStack(docker, label, stack, { namePrefix: `keep-${stack}`, openWebUIHostPort: webPort }));
    });
    afterAll(async () => {
        await cleanUp(docker, label, realization ? [realization] : []);
    });

    it("keeps keys across a replacement of the container on the same volume", async () => {
        expect(await valkeyCli(docker, VALKEY, ["SET", "before-replace", "kept"])).toBe("OK");
        const oldId = (await inspect(docker, VALKEY)).Id;
        const newId = await replaceContainer(realization!, planResource(plan, "valkey-container"));
        expect(newId).not.toBe(oldId);
        await waitForHealth(docker, VALKEY, "healthy", 30_000);
        expect(await valkeyCli(docker, VALKEY, ["GET", "before-replace"])).toBe("kept");
    });

    it("comes back healthy with its data after kill -9 of the server", async () => {
        expect(await valkeyCli(docker, VALKEY, ["SET", "before-kill", "survives"])).toBe("OK");
        await new Promise((r) => setTimeout(r, 2500));
        const before = await inspect(docker, VALKEY);
        process.kill(before.State.Pid, "SIGKILL");
        const after = await waitFor("the restart policy to restart the container", 30_000, async () => {
            const info = await inspect(docker, VALKEY);
            return info.RestartCount > before.RestartCount && info.State.Running ? info : undefined;
        });
        expect(after.State.Pid).not.toBe(before.State.Pid);
        await waitForHealth(docker, VALKEY, "healthy", 30_000);
        expect(await valkeyCli(docker, VALKEY, ["GET", "before-kill"])).toBe("survives");
        expect(await valkeyCli(docker, VALKEY, ["GET", "before-replace"])).toBe("kept");
        expect((await valkeyCli(docker, VALKEY, ["INFO", "persistence"])).match(/aof_enabled:(\d)/)?.[1]).toBe("1");
    });
});
