// npm run bench:plan — how long evaluating the program takes (the dev stack, and prod with its PostgreSQL), and how it grows with
// the number of OpenWebUI instances sharing one cache. Medians of several runs, each in a fresh
// process; the figure is the evaluation inside the process (program, mocks, settling), not Node's start.
import { spawnSync } from "child_process";
import * as path from "path";

const RUNS = Number(process.env.BENCH_RUNS ?? "5");
const root = path.resolve(__dirname, "../..");

function measure(program: string, env: Record<string, string> = {}, stack = "dev"): { ms: number; resources: number } {
    const samples: { ms: number; resources: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
        const run = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "benchChild.ts"), stack, program], {
            cwd: root,
            encoding: "utf8",
            env: { ...process.env, ...env },
        });
        if (run.status !== 0) {
            throw new Error(`evaluation failed: ${run.stderr}`);
        }
        samples.push(JSON.parse(run.stdout));
    }
    const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
    return { ms: sorted[Math.floor(sorted.length / 2)], resources: samples[0].resources };
}

const rows: string[][] = [["program", "resources", "median ms", "ms per resource"]];
const add = (label: string, r: { ms: number; resources: number }) =>
    rows.push([label, String(r.resources), r.ms.toFixed(1), (r.ms / r.resources).toFixed(2)]);

add("index.ts (dev stack)", measure("index.ts"));
add("index.ts (prod stack, with PostgreSQL)", measure("index.ts", {}, "prod"));
for (const n of [1, 10, 100]) {
    add(`1 cache + ${n} OpenWebUI`, measure("tools/plan/benchProgram.ts", { BENCH_INSTANCES: String(n) }));
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
process.stdout.write(`plan evaluation, median of ${RUNS} runs each (node ${process.version})\n`);
for (const r of rows) {
    process.stdout.write(`${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")}\n`);
}
