// The plan renderer and the realizer agree on the stand-ins: a program's service refers to its
// secret, config and network by their outputs; rendered under the mocks (tools/plan/evaluate.ts),
// those are the stand-in ids and auto-names the realizer resolves (tools/realize/swarmNames.ts).

import * as path from "path";

import { evaluate } from "../../tools/plan/evaluate";
import { RESOURCE_TYPES, parsePlan } from "../../tools/realize/plan";
import type { PlanResource } from "../../tools/realize/plan";
import { RealizedObject, SwarmReferences, resolveServiceImage, serviceCreateSpec } from "../../tools/realize/swarmMapping";
import { standInAutoName, standInId } from "../../tools/realize/swarmNames";

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, "../..");

it("a rendered plan's service refers to the stand-in ids and auto-names the realizer swaps for the real ones", async () => {
    const { plan: raw } = await evaluate(ROOT, "tests/realize/programs/swarmStandIns.ts", {
        project: "openwebui-valkey",
        stack: "refs",
        config: {},
        secretKeys: [],
        secretValues: [],
    });
    const plan = parsePlan(raw);
    const byName = (name: string): PlanResource => plan.resources.find((r) => r.name === name) as PlanResource;
    const service = byName("refs-service");
    const container = (service.inputs["taskSpec"] as { containerSpec: Record<string, Array<Record<string, unknown>>> }).containerSpec;
    const task = service.inputs["taskSpec"] as { networksAdvanceds: Array<Record<string, unknown>> };

    expect(container["secrets"]?.[0]).toMatchObject({
        secretId: standInId("refs", RESOURCE_TYPES.secret, "refs-password"),
        secretName: standInAutoName("refs", RESOURCE_TYPES.secret, "refs-password"),
    });
    expect(container["configs"]?.[0]).toMatchObject({ configId: standInId("refs", RESOURCE_TYPES.serviceConfig, "refs-conf"), configName: "refs-conf" });
    expect(task.networksAdvanceds[0]).toEqual({ name: standInId("refs", RESOURCE_TYPES.network, "refs-network") });
    // the inputs of the auto-named resources have no name: the bridge's Check gives one at create
    expect(byName("refs-password").inputs["name"]).toBeUndefined();
    expect(service.inputs["name"]).toBeUndefined();
    // the service depends on what it refers to, so it comes after them
    expect(service.options.dependsOn).toEqual(
        expect.arrayContaining([byName("refs-password").urn, byName("refs-conf").urn, byName("refs-network").urn]),
    );

    const realized: Record<string, RealizedObject> = {
        [byName("refs-network").urn]: { id: "net-id", name: "refs-net" },
        [byName("refs-password").urn]: { id: "secret-id", name: "refs-password-abcdef0" },
        [byName("refs-conf").urn]: { id: "config-id", name: "refs-conf" },
    };
    const { local } = resolveServiceImage(service, { "docker.io/valkey/valkey:8.0.1-alpine": "openwebui-valkey-test/valkey:8.0.1" });
    const spec = serviceCreateSpec(service, { labels: {}, image: local, autoName: "refs-service-1234567", references: new SwarmReferences(plan, (urn) => realized[urn]) });
    expect(spec.body.Name).toBe("refs-service-1234567");
    expect(spec.body.TaskTemplate.ContainerSpec["Secrets"]).toEqual([{ SecretID: "secret-id", SecretName: "refs-password-abcdef0", File: { Name: "pw", UID: "0", GID: "0", Mode: 0o444 } }]);
    expect(spec.body.TaskTemplate.ContainerSpec["Configs"]).toEqual([{ ConfigID: "config-id", ConfigName: "refs-conf", File: { Name: "/etc/x.conf", UID: "0", GID: "0", Mode: 0o444 } }]);
    expect(spec.body.TaskTemplate["Networks"]).toEqual([{ Target: "net-id", Aliases: [] }]);
});
