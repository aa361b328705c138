// Connections do not pile up: with a short `timeout` idle clients are closed; with a small
// `maxclients` the next client gets "max number of clients reached", and capacity comes back
// once idle clients are reaped. Valkey is published on 127.0.0.1 for this variant only.
import Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import { valkeySubPlan } from "../../tools/engine/benchSupport";
import { Realization, realize } from "../../tools/realize/realizer";
import { IMAGE_MAP, RespConnection, cleanUp, engine, envOf, planResource, realizablePlan, runLabel, valkeyCli } from "./harness";

jest.setTimeout(120_000);

describe.each([
    ["dev", 16_379],
    ["prod", 16_380],
])("on the %s stack", (stack, PORT) => {
    const MAXCLIENTS = 6;
    const TIMEOUT = 2;
    let docker: Dockerode;
    let realization: Realization | undefined;
    let password: string;
    const label = runLabel(`connections-${stack}`);
    const opened: RespConnection[] = [];

    beforeAll(async () => {
        docker = await engine();
        const full = realizablePlan(stack, {
            namePrefix: `conns-${stack}`,
            valkeyTimeoutSeconds: TIMEOUT,
            valkeyMaxclients: MAXCLIENTS,
            valkeyHostPort: PORT,
            redisHealthCheckIntervalSeconds: 1,
        });
        // Only Valkey: Open WebUI's own connections would blur the counts.
        const plan: Plan = valkeySubPlan(full).plan;
        password = envOf(planResource(plan, "valkey-container")).REDISCLI_AUTH;
        realization = await realize(plan, { docker, imageMap: IMAGE_MAP, runLabel: label });
    });
    afterAll(async () => {
        for (const c of opened) c.end();
        await cleanUp(docker, label, realization ? [realization] : []);
    });

    async function client(): Promise<RespConnection> {
        const c = await RespConnection.connect(PORT);
        opened.push(c);
        return c;
    }

    it("is published on 127.0.0.1 only, with the declared limits", async () => {
        const info = await docker.getContainer(`conns-${stack}-valkey`).inspect();
        expect(info.HostConfig.PortBindings?.["6379/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: String(PORT) }]);
        expect(await valkeyCli(docker, `conns-${stack}-valkey`, ["CONFIG", "GET", "maxclients"])).toBe(`maxclients\n${MAXCLIENTS}`);
    });

    it("closes an idle client after the timeout", async () => {
        const c = await client();
        expect(await c.command("AUTH", password)).toBe("+OK");
        expect(await c.command("PING")).toBe("+PONG");
        const idleSince = Date.now();
        await c.waitClosed((TIMEOUT + 5) * 1000);
        // Valkey checks idle clients about once a second.
        expect(Date.now() - idleSince).toBeGreaterThanOrEqual(TIMEOUT * 1000 - 100);
        expect(await c.command("PING")).toBe("(closed)");
    });

    it("refuses the client past maxclients, and takes clients again once idle ones are reaped", async () => {
        let refused = "";
        let accepted = 0;
        for (let i = 0; i < MAXCLIENTS + 3 && !refused; i++) {
            const c = await client();
            const reply = await c.command("AUTH", password);
            if (reply === "+OK") {
                accepted++;
            } else {
                refused = reply;
            }
        }
        expect(refused).toBe("-ERR max number of clients reached");
        expect(accepted).toBeLessThanOrEqual(MAXCLIENTS);
        expect(accepted).toBeGreaterThanOrEqual(MAXCLIENTS - 1); // the healthcheck may hold one slot for a moment
        // The idle ones are closed after the timeout; then there is room again.
        await new Promise((r) => setTimeout(r, (TIMEOUT + 2) * 1000));
        const again = await client();
        expect(await again.command("AUTH", password)).toBe("+OK");
        expect(await again.command("PING")).toBe("+PONG");
    });
});
