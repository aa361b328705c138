// `--diff`: what is added, removed, replaced or updated, judged by the provider's own schema, with a
// loud flag on anything that deletes or replaces a container or volume holding data.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffPlans } from "../../tools/plan/diff";
import type { Plan, PlanResource } from "../../tools/plan/evaluate";
import { ROOT, renderPlan, runPlan } from "../helpers/planCli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writePlan(name: string, plan: Plan): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(plan));
    return file;
}

let dev: Plan;
beforeAll(() => {
    dev = renderPlan("dev");
});

const byName = (plan: Plan, name: string) => plan.resources.find((r) => r.name === name) as PlanResource;

it("reports nothing and exits 0 when nothing changed", () => {
    const run = runPlan(["--stack", "dev", "--diff", path.join(ROOT, "plans/dev.json")]);
    expect(run.stdout).toBe("No changes.\n");
    expect(run.status).toBe(0);
});

it("reports a container replacement when the image changes, and exits non-zero", () => {
    // The plan that was reviewed before used another Valkey image.
    const before = renderPlan("dev", { config: { valkeyImage: "docker.io/valkey/valkey:8.0.0-alpine" } });
    const run = runPlan(["--stack", "dev", "--diff", writePlan("old-image.json", before)]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/\+- replace docker:index\/container:Container valkey-container\n {4}image: "sha256:[0-9a-f]{64}" => "sha256:[0-9a-f]{64}" {2}\(forces replacement\)/);
    expect(run.stdout).toMatch(/!!! DATA: container dev-valkey holding data in dev-valkey-data will be deleted and created again/);
    expect(run.stdout).toMatch(/\+- replace docker:index\/remoteImage:RemoteImage valkey-image/);
    expect(run.stdout).toMatch(/0 to add, 0 to remove, 2 to replace, 0 to update; 1 touch data/);
});

it("tells an in-place update from a state-only edit", () => {
    const after = renderPlan("dev", { config: { valkeyMemoryLimitMb: 1024, valkeyMaxmemoryMb: 512 } });
    const diff = diffPlans(dev, after);
    const valkey = diff.changes.find((c) => c.name === "valkey-container")!;
    // maxmemory is on the command line, which forces replacement; memory alone updates in place.
    expect(valkey.kind).toBe("replace");
    expect(valkey.properties.find((p) => p.property === "memory")?.effect).toBe("update");

    const memoryOnly = JSON.parse(JSON.stringify(dev)) as Plan;
    byName(memoryOnly, "open-webui-container").inputs.memory = 2048;
    const update = diffPlans(dev, memoryOnly).changes;
    expect(update.map((c) => [c.kind, c.name])).toEqual([["update", "open-webui-container"]]);

    // Without replaceOnChanges, the provider only records a healthcheck edit in its state.
    const lenient = JSON.parse(JSON.stringify(dev)) as Plan;
    delete byName(lenient, "open-webui-container").options.replaceOnChanges;
    const healthcheck = JSON.parse(JSON.stringify(lenient)) as Plan;
    (byName(healthcheck, "open-webui-container").inputs as any).healthcheck = { tests: ["CMD", "true"] };
    const stateOnly = diffPlans(lenient, healthcheck).changes[0];
    expect(stateOnly.properties[0]).toMatchObject({ property: "healthcheck", effect: "state-only" });
    // On the Valkey container, replaceOnChanges turns the same edit into a replacement.
    const valkeyHealth = JSON.parse(JSON.stringify(dev)) as Plan;
    (byName(valkeyHealth, "valkey-container").inputs.healthcheck as any).retries = 3;
    expect(diffPlans(dev, valkeyHealth).changes[0]).toMatchObject({ kind: "replace", name: "valkey-container" });
});

it("flags a volume that would be deleted or replaced by an empty one", () => {
    const renamed = renderPlan("dev", { config: { namePrefix: "staging" } });
    const diff = diffPlans(dev, renamed);
    const volume = diff.changes.find((c) => c.name === "valkey-data")!;
    expect(volume.kind).toBe("replace");
    expect(volume.warning).toMatch(/Pulumi keeps it \(retainOnDelete\), but the new declaration uses staging-valkey-data, an EMPTY volume/);

    const unretained = renderPlan("dev", { config: { retainDataOnDelete: false } });
    const gone = JSON.parse(JSON.stringify(unretained)) as Plan;
    gone.resources = gone.resources.filter((r) => r.name !== "valkey-data");
    expect(diffPlans(unretained, gone).changes.find((c) => c.name === "valkey-data")).toMatchObject({
        kind: "remove",
        warning: "volume dev-valkey-data will be DELETED with its DATA",
    });
});

it("reports a changed URN as a replacement unless an alias names the old one", () => {
    const moved = JSON.parse(JSON.stringify(dev)) as Plan;
    const volume = byName(moved, "valkey-data");
    const oldUrn = volume.urn;
    volume.urn = "urn:pulumi:dev::openwebui-valkey::docker:index/volume:Volume::valkey-data";
    volume.parent = null;
    const replaced = diffPlans(dev, moved).changes.find((c) => c.name === "valkey-data")!;
    expect(replaced.kind).toBe("replace");
    expect(replaced.reason).toContain(`its URN changed from ${oldUrn}`);
    expect(replaced.warning).toMatch(/adopts it by name, so its data stays/);

    volume.options.aliases = [oldUrn];
    expect(diffPlans(dev, moved).changes.find((c) => c.name === "valkey-data")).toBeUndefined();
});

it("lists added and removed resources", () => {
    const more = JSON.parse(JSON.stringify(dev)) as Plan;
    more.resources.push({ ...byName(dev, "open-webui-data"), urn: "urn:x::extra", name: "extra" });
    expect(diffPlans(dev, more).changes.map((c) => [c.kind, c.name])).toEqual([["add", "extra"]]);
    expect(diffPlans(more, dev).changes.map((c) => [c.kind, c.name])).toEqual([["remove", "extra"]]);
});
