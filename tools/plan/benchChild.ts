// One measured evaluation, in a process of its own (Pulumi's runtime keeps global state):
// prints {"ms": <evaluation time>, "resources": <count>} as JSON.
import * as path from "path";
import { performance } from "perf_hooks";
import { evaluate } from "./evaluate";
import { loadStackConfig } from "./stackFiles";

async function main(): Promise<void> {
    const [stack, program] = process.argv.slice(2);
    const root = path.resolve(__dirname, "../..");
    const started = performance.now();
    const evaluation = await evaluate(root, program, loadStackConfig(root, stack));
    const ms = performance.now() - started;
    process.stdout.write(`${JSON.stringify({ ms, resources: evaluation.plan.resources.length })}\n`);
    process.exit(0);
}

main().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
});
