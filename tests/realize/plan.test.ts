// Reading and ordering a plan: pure, no engine.

import { dependencyOrder, parsePlan } from "../../tools/realize/plan";
import type { PlanResource } from "../../tools/realize/plan";
import { CONTAINER_URN, IMAGE_URN, NETWORK_URN, STACK_URN, valkeyInputs, valkeyPlan } from "./fixtures";

describe("plan", () => {
    it("orders by dependsOn and parent, keeping plan order otherwise", () => {
        const order = dependencyOrder(parsePlan(valkeyPlan())).map((r) => r.name);
        expect(order.indexOf("dev-valkey")).toBeGreaterThan(order.indexOf("dev-network"));
        expect(order.indexOf("dev-valkey")).toBeGreaterThan(order.indexOf("dev-valkey-data"));
        expect(order.indexOf("dev-valkey")).toBeGreaterThan(order.indexOf("dev-valkey-image"));
        expect(order[0]).toBe("openwebui-valkey-dev");
    });

    it("refuses cycles, dangling references, duplicates and unknown options", () => {
        const plan = valkeyPlan();
        const network = plan.resources.find((r) => r.urn === NETWORK_URN) as PlanResource;
        network.options = { dependsOn: [CONTAINER_URN] };
        expect(() => dependencyOrder(parsePlan(plan))).toThrow(/dependency cycle among/);
        const dangling = valkeyPlan();
        (dangling.resources.find((r) => r.urn === IMAGE_URN) as PlanResource).options = { dependsOn: ["urn:missing"] };
        expect(() => parsePlan(dangling)).toThrow(/dependsOn urn:missing is not in the plan/);
        const orphan = valkeyPlan();
        (orphan.resources.find((r) => r.urn === IMAGE_URN) as PlanResource).parent = "urn:gone";
        expect(() => parsePlan(orphan)).toThrow(/parent urn:gone is not in the plan/);
        const twice = valkeyPlan();
        twice.resources.push({ ...(twice.resources[0] as PlanResource) });
        expect(() => parsePlan(twice)).toThrow(`URN ${STACK_URN} appears twice`);
        const odd = valkeyPlan();
        (odd.resources[0] as unknown as { options: Record<string, unknown> }).options = { provider: "urn:p" };
        expect(() => parsePlan(odd)).toThrow(/resource option "provider" is not understood/);
    });

    it("shows secrets in clear, drops nulls, refuses unknown values", () => {
        const plan = valkeyPlan(
            valkeyInputs({
                envs: [{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "REDISCLI_AUTH=s3cret" }],
                hostname: null,
            }),
        );
        const container = parsePlan(plan).resources.find((r) => r.urn === CONTAINER_URN) as PlanResource;
        expect(container.inputs["envs"]).toEqual(["REDISCLI_AUTH=s3cret"]);
        expect("hostname" in container.inputs).toBe(false);
        const preview = valkeyPlan(valkeyInputs({ image: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }));
        expect(() => parsePlan(preview)).toThrow(/field "image" is unknown until deployment/);
    });

    it("refuses malformed documents", () => {
        expect(() => parsePlan([])).toThrow(/must be a JSON object/);
        expect(() => parsePlan({ project: "p", stack: "s" })).toThrow(/"resources" must be a list/);
        expect(() => parsePlan({ project: "p", stack: "s", resources: [{ urn: "u", type: "t" }] })).toThrow(/resources\[0\].name/);
    });
});
