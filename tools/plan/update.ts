// npm run plan:update — writes plans/<stack>.json for every stack file, so that a pull request that
// changes infrastructure shows the change in its diff.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { listStacks } from "./stackFiles";

const root = path.resolve(__dirname, "../..");
fs.mkdirSync(path.join(root, "plans"), { recursive: true });
for (const stack of listStacks(root)) {
    const run = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "cli.ts"), "--stack", stack, "--json"], { cwd: root, encoding: "utf8" });
    if (run.status !== 0) {
        process.stderr.write(run.stderr);
        process.exit(run.status ?? 2);
    }
    fs.writeFileSync(path.join(root, "plans", `${stack}.json`), run.stdout);
    process.stdout.write(`plans/${stack}.json: ${JSON.parse(run.stdout).resources.length} resources\n`);
}
