// `--diff` and Pulumi's dependent replacement: a resource replaced delete-first takes along every
// resource whose ForceNew (or replaceOnChanges) inputs are built from its outputs, recursively; a
// plain dependsOn edge takes nothing along, and an input changed in place makes an update.
import { diffPlans, formatDiff } from "../../tools/plan/diff";
import type { Plan, PlanResource } from "../../tools/plan/evaluate";
import { renderPlan } from "../helpers/planCli";

const CONTAINER = "docker:index/container:Container";
const NETWORK = "docker:index/network:Network";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const urnOf = (type: string, name: string) => `urn:pulumi:t::p::${type}::${name}`;

function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<PlanResource> = {}): PlanResource {
    return { urn: urnOf(type, name), type, name, parent: null, inputs, options: {}, ...extra };
}

function plan(...resources: PlanResource[]): Plan {
    return { project: "p", stack: "t", resources, outputs: {} };
}

/** A copy of `p` with `edit` applied to the resource called `name`. */
function edited(p: Plan, name: string, edit: (r: PlanResource) => void): Plan {
    const copy = JSON.parse(JSON.stringify(p)) as Plan;
    edit(copy.resources.find((r) => r.name === name)!);
    return copy;
}

const summary = (p: Plan, q: Plan) => diffPlans(p, q).changes.map((c) => [c.kind, c.name]);
const change = (p: Plan, q: Plan, name: string) => diffPlans(p, q).changes.find((c) => c.name === name);

// A Valkey-like server (replaced delete-first: its option, and the provider demands it for any
// container) and the containers around it.
const server = resource(CONTAINER, "server", { name: "server", image: "sha256:aaa" }, { options: { deleteBeforeReplace: true } });
const serverUrn = server.urn;

describe("synthetic plans", () => {
    it("replaces a dependant whose ForceNew input takes the replaced resource's outputs", () => {
        const app = resource(CONTAINER, "app", { name: "app", envs: ["URL=redis://server:6379"] }, { propertyDependencies: { envs: [serverUrn] }, options: { dependsOn: [serverUrn] } });
        const before = plan(server, app);
        const after = edited(before, "server", (r) => (r.inputs.image = "sha256:bbb"));
        expect(summary(before, after)).toEqual([
            ["replace", "app"],
            ["replace", "server"],
        ]);
        const cascaded = change(before, after, "app")!;
        // Nothing of its own changed: the cascade alone replaces it.
        expect(cascaded.properties).toEqual([]);
        expect(cascaded.cascade).toEqual({ cause: "server", causeUrn: serverUrn, properties: [{ property: "envs", effect: "replace" }] });
        expect(cascaded.reason).toBe(
            "server is replaced delete-first and this resource's envs (forces replacement) takes server's outputs, so the engine deletes this resource first and creates it again",
        );
        expect(cascaded.warning).toBe("container app will be deleted and created again (downtime)");
        const text = formatDiff(diffPlans(before, after));
        expect(text).toContain("+- replace docker:index/container:Container app\n    because server is replaced delete-first and this resource's envs (forces replacement) takes server's outputs");
        expect(text).toContain("0 to add, 0 to remove, 2 to replace, 0 to update");
    });

    it("does not follow a dependsOn edge that carries no input", () => {
        const app = resource(CONTAINER, "app", { name: "app", envs: ["URL=redis://server:6379"] }, { options: { dependsOn: [serverUrn] } });
        const before = plan(server, app);
        const after = edited(before, "server", (r) => (r.inputs.image = "sha256:bbb"));
        expect(summary(before, after)).toEqual([["replace", "server"]]);
    });

    it("updates, not replaces, a dependant whose affected inputs change in place", () => {
        const app = resource(CONTAINER, "app", { name: "app", memory: 512 }, { propertyDependencies: { memory: [serverUrn] } });
        const before = plan(server, app);
        const after = edited(before, "server", (r) => (r.inputs.image = "sha256:bbb"));
        expect(summary(before, after)).toEqual([
            ["replace", "server"],
            ["update", "app"],
        ]);
        const updated = change(before, after, "app")!;
        expect(updated.cascade?.properties).toEqual([{ property: "memory", effect: "update" }]);
        expect(updated.reason).toBe("server is replaced delete-first and this resource's memory (updated in place) takes server's outputs, which are unknown until the replacement exists");
        expect(updated.warning).toBeUndefined();
    });

    it("follows the cascade recursively, through the resources it replaces", () => {
        const middle = resource(CONTAINER, "middle", { name: "middle", envs: ["UPSTREAM=server"] }, { propertyDependencies: { envs: [serverUrn] } });
        const leaf = resource(CONTAINER, "leaf", { name: "leaf", envs: ["UPSTREAM=middle"] }, { propertyDependencies: { envs: [middle.urn] } });
        const bystander = resource(CONTAINER, "bystander", { name: "bystander", memory: 64 }, { propertyDependencies: { memory: [leaf.urn] } });
        const before = plan(server, middle, leaf, bystander);
        const after = edited(before, "server", (r) => (r.inputs.image = "sha256:bbb"));
        expect(summary(before, after)).toEqual([
            ["replace", "leaf"],
            ["replace", "middle"],
            ["replace", "server"],
            ["update", "bystander"],
        ]);
        expect(change(before, after, "leaf")!.cascade?.cause).toBe("middle");
        expect(change(before, after, "middle")!.cascade?.cause).toBe("server");
        expect(change(before, after, "bystander")!.cascade?.cause).toBe("leaf");

        // Reached both directly and through the cascade, the reason names the directly replaced one.
        const both = resource(CONTAINER, "both", { name: "both", envs: ["UPSTREAM=middle"], networksAdvanced: [{ name: "server-net" }] }, { propertyDependencies: { envs: [middle.urn], networksAdvanced: [serverUrn] } });
        const b2 = plan(server, middle, both);
        expect(change(b2, edited(b2, "server", (r) => (r.inputs.image = "sha256:bbb")), "both")!.cascade).toEqual({
            cause: "server",
            causeUrn: serverUrn,
            properties: [{ property: "networksAdvanced", effect: "replace" }],
        });
    });

    it("applies the dependant's replaceOnChanges and ignoreChanges, as the engine does", () => {
        // healthcheck edits are state-only for the provider; replaceOnChanges makes them replace.
        const strict = resource(CONTAINER, "strict", { name: "strict", healthcheck: { tests: ["CMD", "true"] } }, { propertyDependencies: { healthcheck: [serverUrn] }, options: { replaceOnChanges: ["healthcheck"] } });
        const lax = resource(CONTAINER, "lax", { name: "lax", healthcheck: { tests: ["CMD", "true"] } }, { propertyDependencies: { healthcheck: [serverUrn] } });
        const ignoring = resource(CONTAINER, "ignoring", { name: "ignoring", envs: ["A=server"] }, { propertyDependencies: { envs: [serverUrn] }, options: { ignoreChanges: ["envs"] } });
        const before = plan(server, strict, lax, ignoring);
        const after = edited(before, "server", (r) => (r.inputs.image = "sha256:bbb"));
        expect(summary(before, after)).toEqual([
            ["replace", "server"],
            ["replace", "strict"],
            ["update", "lax"],
        ]);
        expect(change(before, after, "lax")!.cascade?.properties).toEqual([{ property: "healthcheck", effect: "state-only" }]);
    });

    it("cascades only from a delete-first replacement", () => {
        // A RemoteImage is replaced create-first: its dependants see the new image id and nothing else.
        const image = resource(IMAGE, "image", { name: "valkey:8.0.1" });
        const app = resource(CONTAINER, "app", { name: "app", labels: [{ label: "from", value: "image" }] }, { propertyDependencies: { labels: [image.urn] } });
        const before = plan(image, app);
        const after = edited(before, "image", (r) => (r.inputs.name = "valkey:8.0.2"));
        expect(summary(before, after)).toEqual([["replace", "image"]]);

        // A container is delete-first by the provider's own rule; an explicit `false` overrides it.
        const implicit = resource(CONTAINER, "server", { name: "server", image: "sha256:aaa" });
        const dependant = resource(CONTAINER, "app", { name: "app", envs: ["A=1"] }, { propertyDependencies: { envs: [implicit.urn] } });
        const b2 = plan(implicit, dependant);
        expect(summary(b2, edited(b2, "server", (r) => (r.inputs.image = "sha256:bbb")))).toEqual([
            ["replace", "app"],
            ["replace", "server"],
        ]);
        const createFirst = edited(b2, "server", (r) => (r.options.deleteBeforeReplace = false));
        expect(summary(createFirst, edited(createFirst, "server", (r) => (r.inputs.image = "sha256:bbb")))).toEqual([["replace", "server"]]);
    });

    it("treats a network with a name the program chose as delete-first, as the provider does", () => {
        const network = resource(NETWORK, "net", { name: "fixed-net", driver: "bridge" });
        const app = resource(CONTAINER, "app", { name: "app", networksAdvanced: [{ name: "fixed-net" }] }, { propertyDependencies: { networksAdvanced: [network.urn] } });
        const before = plan(network, app);
        const after = edited(before, "net", (r) => (r.inputs.driver = "overlay"));
        expect(summary(before, after)).toEqual([
            ["replace", "app"],
            ["replace", "net"],
        ]);
        // Without a name of its own (auto-named), the provider replaces it create-first.
        const unnamed = edited(before, "net", (r) => delete r.inputs.name);
        expect(summary(unnamed, edited(unnamed, "net", (r) => (r.inputs.driver = "overlay")))).toEqual([["replace", "net"]]);
    });

    it("judges the edges of the state being changed (the old plan), as the engine does", () => {
        const withEdge = resource(CONTAINER, "app", { name: "app", envs: ["A=1"] }, { propertyDependencies: { envs: [serverUrn] } });
        const withoutEdge = resource(CONTAINER, "app", { name: "app", envs: ["A=1"] });
        const newServer = { ...server, inputs: { ...server.inputs, image: "sha256:bbb" } };
        // The program no longer builds envs from the server, but the deployed state still does.
        expect(summary(plan(server, withEdge), plan(newServer, withoutEdge))).toEqual([
            ["replace", "app"],
            ["replace", "server"],
        ]);
        expect(summary(plan(server, withoutEdge), plan(newServer, withEdge))).toEqual([["replace", "server"]]);
    });

    it("adds the cascade to a dependant that also changed on its own", () => {
        const app = resource(CONTAINER, "app", { name: "app", envs: ["A=1"], memory: 64 }, { propertyDependencies: { envs: [serverUrn] } });
        const before = plan(server, app);
        const after = edited(edited(before, "server", (r) => (r.inputs.image = "sha256:bbb")), "app", (r) => (r.inputs.memory = 128));
        const both = change(before, after, "app")!;
        expect(both.kind).toBe("replace");
        expect(both.properties.map((p) => [p.property, p.effect])).toEqual([["memory", "update"]]);
        expect(both.cascade?.cause).toBe("server");
    });
});

describe("the real program", () => {
    let dev: Plan;
    beforeAll(() => {
        dev = renderPlan("dev");
    });

    it("records which inputs are built from which resources", () => {
        const valkey = dev.resources.find((r) => r.name === "valkey-container")!;
        const network = dev.resources.find((r) => r.name === "valkey-network")!;
        expect(valkey.propertyDependencies?.networksAdvanced).toEqual([network.urn]);
        // dependsOn keeps every dependency, the input edges included.
        expect(valkey.options.dependsOn).toEqual(expect.arrayContaining([network.urn]));
    });

    it("replaces only the Valkey image and container when the Valkey image changes", () => {
        // Open WebUI's inputs must not be built from the Valkey container's outputs: ordered after
        // it by dependsOn instead, a Valkey replacement does not delete Open WebUI too.
        const bumped = renderPlan("dev", { config: { valkeyImage: "docker.io/valkey/valkey:8.0.2-alpine" } });
        const diff = diffPlans(dev, bumped);
        expect(diff.changes.map((c) => [c.kind, c.name])).toEqual([
            ["replace", "valkey-container"],
            ["replace", "valkey-image"],
        ]);
    });

    it("still shows a cascade that must happen: a network replaced delete-first replaces both containers", () => {
        const network = dev.resources.find((r) => r.name === "valkey-network")!;
        const before = edited(dev, "valkey-network", (r) => (r.options.deleteBeforeReplace = true));
        const after = edited(before, "valkey-network", (r) => (r.inputs.driver = "overlay"));
        const diff = diffPlans(before, after);
        expect(diff.changes.map((c) => [c.kind, c.name])).toEqual([
            ["replace", "open-webui-container"],
            ["replace", "valkey-container"],
            ["replace", "valkey-network"],
        ]);
        for (const name of ["open-webui-container", "valkey-container"]) {
            const c = diff.changes.find((x) => x.name === name)!;
            expect(c.cascade).toEqual({ cause: "valkey-network", causeUrn: network.urn, properties: [{ property: "networksAdvanced", effect: "replace" }] });
            expect(c.warning).toMatch(/will be deleted and created again \(downtime\)/);
        }
    });
});
