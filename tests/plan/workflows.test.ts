// The GitHub workflows cannot run here: check that they parse and that every command they run exists.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROOT } from "../helpers/planCli";

const dir = path.join(ROOT, ".github/workflows");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const workflows = fs.readdirSync(dir).filter((f) => f.endsWith(".yml")).sort();

function steps(doc: any): any[] {
    return Object.values<any>(doc.jobs).flatMap((job) => job.steps ?? []);
}

it("has a CI workflow and a pull-request preview workflow", () => {
    expect(workflows).toEqual(["ci.yml", "preview.yml"]);
});

it.each(workflows)("%s parses and runs only npm scripts and files that exist", (file) => {
    const doc = YAML.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    expect(doc.on).toBeDefined();
    expect(Object.keys(doc.jobs).length).toBeGreaterThan(0);
    const commands = steps(doc).filter((s) => s.run).map((s) => String(s.run));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
        for (const m of command.matchAll(/npm run (?:--silent )?([\w:-]+)/g)) {
            expect(Object.keys(pkg.scripts)).toContain(m[1]);
        }
        for (const m of command.matchAll(/bash (\S+)/g)) {
            expect(fs.existsSync(path.join(ROOT, m[1]))).toBe(true);
        }
    }
});

it("CI runs the README's test command through .ci/run", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(dir, "ci.yml"), "utf8"));
    expect(steps(doc).map((s) => s.run).filter(Boolean)).toEqual(["bash .ci/run"]);
    expect(fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8")).toMatch(/^npm test$/m);
});

it("the preview workflow runs pulumi preview per stack with the official action, beside the offline diff", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(dir, "preview.yml"), "utf8"));
    const job = doc.jobs.preview;
    const stacks = fs.readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter(Boolean).sort();
    expect([...job.strategy.matrix.stack].sort()).toEqual(stacks);
    const preview = job.steps.find((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
    expect(preview.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true });
    // Forks get no secrets: the real preview is skipped for them, the offline diff is not.
    expect(preview.if).toContain("head.repo.full_name == github.repository");
    expect(Object.keys(preview.env).sort()).toEqual(["DOCKER_HOST", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]);
    const offline = job.steps.find((s: any) => String(s.run ?? "").includes("--diff"));
    expect(offline.if).toBeUndefined();
    expect(doc.permissions["pull-requests"]).toBe("write");
});
