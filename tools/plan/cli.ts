// npm run plan -- --stack <name> [--json] [--show-secrets] [--config key=value ...]
//                 [--secret-config key=value ...] [--diff old.json]
// Renders what a stack declares without the Pulumi CLI, a state backend or a Docker engine.
// --secret-config gives a value as `pulumi config set --secret` stores it: secret to the program,
// masked in the plan.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { evaluate, Plan } from "./evaluate";
import { finalPlan, planJson, planText } from "./render";
import { PlanInputError, loadStackConfig, readProjectFile } from "./stackFiles";

const USAGE = "usage: npm run plan -- --stack <name> [--json] [--show-secrets] [--config key=value]... [--secret-config key=value]... [--diff <plan.json>]";

function fail(message: string, code = 2): never {
    process.stderr.write(`plan: ${message}\n`);
    process.exit(code);
}

function readPlanFile(file: string): Plan {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new PlanInputError(`cannot read plan ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let plan: Plan;
    try {
        plan = JSON.parse(text);
    } catch (e) {
        throw new PlanInputError(`${file} is not JSON: ${(e as Error).message}`);
    }
    if (!plan || !Array.isArray(plan.resources)) {
        throw new PlanInputError(`${file} is not a plan: it has no "resources" list (make one with --json)`);
    }
    return plan;
}

async function main(): Promise<void> {
    let args;
    try {
        args = parseArgs({
            options: {
                stack: { type: "string" },
                json: { type: "boolean", default: false },
                "show-secrets": { type: "boolean", default: false },
                config: { type: "string", multiple: true, default: [] },
                "secret-config": { type: "string", multiple: true, default: [] },
                diff: { type: "string" },
                project: { type: "string", default: "." },
            },
            strict: true,
        }).values;
    } catch (e) {
        fail(`${(e as Error).message}\n${USAGE}`);
    }
    if (!args.stack) {
        fail(`--stack is required\n${USAGE}`);
    }
    const projectDir = path.resolve(args.project!);
    const project = readProjectFile(projectDir);
    const stackConfig = loadStackConfig(projectDir, args.stack, args.config, args["secret-config"]);
    const previous = args.diff ? readPlanFile(args.diff) : undefined;

    // A value that fails validation inside an apply surfaces as a rejection outside any await.
    process.on("unhandledRejection", (reason) => fail((reason as Error)?.message ?? String(reason)));
    let evaluation;
    try {
        evaluation = await evaluate(projectDir, project.main ?? "index.ts", stackConfig);
    } catch (e) {
        fail((e as Error).message);
    }
    const plan = finalPlan(evaluation, args["show-secrets"]!);
    if (previous) {
        // Loaded only for --diff: it brings the provider's schema table.
        const { diffPlans, formatDiff } = await import("./diff");
        const diff = diffPlans(previous, plan);
        process.stdout.write(formatDiff(diff));
        process.exit(diff.changes.length > 0 ? 1 : 0);
    }
    process.stdout.write(args.json ? planJson(plan) : planText(plan));
    process.exit(0);
}

main().catch((e) => fail(e instanceof PlanInputError ? e.message : (e as Error).message ?? String(e)));
