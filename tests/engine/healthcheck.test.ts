// The healthcheck is honest: healthy only when an authenticated PING answers PONG. With a wrong
// password in its environment, or with the server paused, the container turns unhealthy.
import type { Plan } from "../../tools/plan/evaluate";
import { valkeySubPlan } from "../../tools/engine/benchSupport";
import { realize } from "../../tools/realize/realizer";
import { IMAGE_MAP, engineSession, envOf, healthOf, planResource, realizablePlan, valkeyCli, waitForHealth } from "./harness";

jest.setTimeout(180_000);

const session = engineSession("healthcheck");

/** Only the ValkeyCache's part of a plan. */
const valkeyOnly = (plan: Plan): Plan => valkeySubPlan(plan).plan;

describe.each(["dev", "prod"])("on the %s stack", (stack) => {
    it("turns unhealthy when the password in its environment is not the server's", async () => {
        const plan = valkeyOnly(realizablePlan(stack, { namePrefix: `wrongpass-${stack}` }));
        const container = planResource(plan, "valkey-container");
        const password = envOf(container).REDISCLI_AUTH;
        // The server keeps the declared password; the environment the healthcheck reads gets another.
        const command = [...(container.inputs.command as string[])];
        command[2] = command[2].replace('"$REDISCLI_AUTH"', `'${password}'`);
        container.inputs = { ...container.inputs, command, envs: ["REDISCLI_AUTH=not-the-password"], wait: false };
        const realization = await realize(plan, { docker: session.docker, imageMap: IMAGE_MAP, runLabel: session.label });
        session.realizations.push(realization);
        await waitForHealth(session.docker, `wrongpass-${stack}-valkey`, "unhealthy", 40_000);
        // The server itself is fine: the right password is answered.
        expect(await valkeyCli(session.docker, `wrongpass-${stack}-valkey`, ["PING"], [`REDISCLI_AUTH=${password}`])).toBe("PONG");
        expect(await valkeyCli(session.docker, `wrongpass-${stack}-valkey`, ["PING"])).toMatch(/WRONGPASS|NOAUTH/);
    });

    it("turns unhealthy while the server is paused, and healthy again after", async () => {
        const plan = valkeyOnly(realizablePlan(stack, { namePrefix: `paused-${stack}` }));
        const realization = await realize(plan, { docker: session.docker, imageMap: IMAGE_MAP, runLabel: session.label });
        session.realizations.push(realization);
        expect(await healthOf(session.docker, `paused-${stack}-valkey`)).toBe("healthy");
        // A pause of 25 s: each probe then times out after 3 s, and 5 in a row make it unhealthy.
        expect(await valkeyCli(session.docker, `paused-${stack}-valkey`, ["CLIENT", "PAUSE", "25000", "ALL"])).toBe("OK");
        const pausedAt = Date.now();
        await waitForHealth(session.docker, `paused-${stack}-valkey`, "unhealthy", 30_000);
        expect(Date.now() - pausedAt).toBeLessThan(25_000);
        await waitForHealth(session.docker, `paused-${stack}-valkey`, "healthy", 40_000);
    });
});
