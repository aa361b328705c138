// "A second `pulumi up` proposes nothing", checked on a real engine: each stack and variant is
// realized as the provider's Create would make it, every container is inspected, the inspection
// goes through the provider's Read (tools/realize/readBack.ts), and the program's declared inputs
// are compared with that state as the provider's diff would (tools/realize/proposedChanges.ts).
import type Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import { resolveContainerImage } from "../../tools/realize/dockerMapping";
import { PlanResource, parsePlan } from "../../tools/realize/plan";
import { ProposedChange, describeChanges, proposedChanges, readBackContainer } from "../../tools/realize/readBack";
import type { Realization } from "../../tools/realize/realizer";
import { CONTAINER, IMAGE_MAP, engineSession, realizeStack } from "./harness";

jest.setTimeout(180_000);

const session = engineSession("readback");

/** Variants of tests/engine/variants.test.ts and connections.test.ts, on both stacks. */
const VARIANTS: Array<[title: string, short: string, config: (index: number) => Record<string, string | number | boolean>]> = [
    ["as configured", "base", () => ({})],
    ["run as the valkey user", "asvalkey", () => ({ valkeyRunAsValkeyUser: true })],
    ["authentication off", "noauth", () => ({ valkeyAuthentication: false })],
    ["Valkey published on 127.0.0.1", "pub", (index) => ({ valkeyHostPort: 3351 + index, valkeyHostAddress: "127.0.0.1" })],
    ["a user-supplied password with URL-special characters", "special", () => ({ valkeyPassword: "p@ss:w/rd?#%&= \"$x" })],
];

const CASES = (["dev", "prod"] as const).flatMap((stack, s) =>
    VARIANTS.map(([title, short, config], v) => {
        const index = s * VARIANTS.length + v;
        // unique names and host ports: other engine test files run beside this one
        const settings = { namePrefix: `rb-${stack}-${short}`, openWebUIHostPort: 3301 + index, ...config(index) };
        return [`${stack}, ${title}`, stack, settings] as const;
    }),
);

/**
 * The container as the program declares it on this engine: its image input is a RemoteImage's
 * imageId, i.e. the id of the image the container runs, which here is the mapped local image.
 */
async function declaredHere(docker: Dockerode, plan: Plan, resource: PlanResource): Promise<PlanResource> {
    const { local } = resolveContainerImage(plan, resource, IMAGE_MAP);
    const imageId = (await docker.getImage(local).inspect()).Id;
    return { ...resource, inputs: { ...resource.inputs, image: imageId } };
}

/** Every container of the plan, declared as on this engine, with its read-back state. */
async function readBack(docker: Dockerode, raw: Plan, realization: Realization) {
    const plan = parsePlan(raw);
    const containers = plan.resources.filter((r) => r.type === CONTAINER);
    return Promise.all(
        containers.map(async (resource) => {
            const declared = await declaredHere(docker, plan, resource);
            const info = await docker.getContainer(realization.containerId(resource.name)).inspect();
            return { declared, state: readBackContainer(declared, info) };
        }),
    );
}

const NOTHING = "(nothing proposed)";

describe.each(CASES)("%s", (_title, stack, config) => {
    it("a second `pulumi up` proposes nothing for any container", async () => {
        const { plan, realization } = await realizeStack(session.docker, session.label, stack, config);
        session.realizations.push(realization);
        try {
            const containers = await readBack(session.docker, plan, realization);
            // prod runs its PostgreSQL beside Valkey: every container of the stack is read back
            const expected = stack === "prod" ? ["open-webui-container", "postgres-container", "valkey-container"] : ["open-webui-container", "valkey-container"];
            expect(containers.map((c) => c.declared.name).sort()).toEqual(expected);
            const changes: ProposedChange[] = containers.flatMap((c) => proposedChanges(c.declared, c.state));
            expect(describeChanges(changes) || NOTHING).toBe(NOTHING);
        } finally {
            await realization.destroy();
        }
    });
});

it("the check sees what this engine reports differently from a declaration (capabilities in the other form, memorySwap left out, a non-canonical duration; PostgreSQL's stop signal and /dev/shm)", async () => {
    const { plan, realization } = await realizeStack(session.docker, session.label, "prod", { namePrefix: "rb-control", openWebUIHostPort: 3399 });
    session.realizations.push(realization);
    try {
        const valkey = (await readBack(session.docker, plan, realization)).find((c) => c.declared.name === "valkey-container");
        if (valkey === undefined) throw new Error("no Valkey container in the prod plan");
        const inputs = valkey.declared.inputs as Record<string, unknown> & { capabilities: { adds: string[] }; healthcheck: Record<string, unknown> };
        // The daemon stores capabilities as they were sent: the other form (with or without the
        // CAP_ prefix) is a different set. memorySwap left out compares as 0 with a non-zero state.
        // "1000ms" is not Go's canonical "1s".
        const otherForm = (c: string): string => (c.startsWith("CAP_") ? c.slice(4) : `CAP_${c}`);
        const { memorySwap: _left, ...rest } = inputs;
        const rewritten: PlanResource = {
            ...valkey.declared,
            inputs: {
                ...rest,
                capabilities: { ...inputs.capabilities, adds: inputs.capabilities.adds.map(otherForm) },
                healthcheck: { ...inputs.healthcheck, interval: "1000ms" },
            },
        };
        const changes = proposedChanges(rewritten, valkey.state);
        expect(changes.map((c) => [c.property, c.effect])).toEqual([
            ["healthcheck.interval", "replace"],
            ["capabilities.adds", "replace"],
            ["memorySwap", "update"],
        ]);
        // what the daemon reports is what the program sent
        expect([...(changes.find((c) => c.property === "capabilities.adds")?.before as string[])].sort()).toEqual([...inputs.capabilities.adds].sort());
        expect(changes.find((c) => c.property === "healthcheck.interval")?.before).toBe("1s");
        // the prod memory limit is 512 MB: the daemon reports either the declared swap or twice the memory
        expect([512, 1024]).toContain(changes.find((c) => c.property === "memorySwap")?.before);

        // PostgreSQL's own fields come back from the daemon too: the stop signal as sent, /dev/shm in
        // bytes divided back into MB, the swap limit. Declared otherwise, each is a proposed change.
        const postgres = (await readBack(session.docker, plan, realization)).find((c) => c.declared.name === "postgres-container");
        if (postgres === undefined) throw new Error("no PostgreSQL container in the prod plan");
        const { memorySwap: _pgSwap, ...pgRest } = postgres.declared.inputs as Record<string, unknown>;
        const pgChanges = proposedChanges({ ...postgres.declared, inputs: { ...pgRest, stopSignal: "SIGQUIT", shmSize: 128 } }, postgres.state);
        expect(pgChanges.map((c) => [c.property, c.before, c.effect])).toEqual([
            ["stopSignal", "SIGINT", "replace"],
            ["memorySwap", 1024, "update"],
            ["shmSize", 256, "replace"],
        ]);
    } finally {
        await realization.destroy();
    }
});
