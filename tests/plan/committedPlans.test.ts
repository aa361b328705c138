// plans/<stack>.json must be what the program declares now: a pull request that changes the
// infrastructure shows the change in plans/, and one that forgets to refresh them fails here.
import * as fs from "fs";
import * as path from "path";
import { diffPlans, formatDiff } from "../../tools/plan/diff";
import type { Plan } from "../../tools/plan/evaluate";
import { ROOT, runPlan } from "../helpers/planCli";

const stacks = fs
    .readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();

it("there is a committed plan for every stack file, and none for a stack that is gone", () => {
    const committed = fs.readdirSync(path.join(ROOT, "plans")).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
    expect(committed).toEqual(stacks);
});

it.each(stacks)("plans/%s.json matches the program", (stack) => {
    const file = path.join(ROOT, "plans", `${stack}.json`);
    const committed = fs.readFileSync(file, "utf8");
    const run = runPlan(["--stack", stack, "--json"]);
    expect(run.status).toBe(0);
    if (run.stdout !== committed) {
        const diff = formatDiff(diffPlans(JSON.parse(committed) as Plan, JSON.parse(run.stdout) as Plan));
        throw new Error(`plans/${stack}.json is out of date. What changed:\n${diff}\nRefresh the committed plans with: npm run plan:update`);
    }
});
