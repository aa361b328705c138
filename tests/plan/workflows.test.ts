// The GitHub workflows cannot run here: check that they parse and that every command they run exists.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
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

describe("Node.js 22, the Pulumi SDK's stated minimum", () => {
    it.each(workflows)("%s sets up Node.js 22 wherever it sets up node", (file) => {
        const doc = YAML.parse(fs.readFileSync(path.join(dir, file), "utf8"));
        const setups = steps(doc).filter((s) => String(s.uses ?? "").startsWith("actions/setup-node@"));
        expect(setups.length).toBeGreaterThan(0);
        for (const s of setups) expect(String(s.with["node-version"])).toBe("22");
    });

    it(".ci/run puts Node.js 22 on PATH before it installs, type-checks or tests", () => {
        const run = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
        const source = run.search(/^source tools\/ci\/node22\.sh$/m);
        expect(source).toBeGreaterThan(0);
        for (const step of [/^npm ci\b/m, /^npm run typecheck$/m, /^npm test$/m]) {
            expect(run.search(step)).toBeGreaterThan(source);
        }
        const script = fs.readFileSync(path.join(ROOT, "tools/ci/node22.sh"), "utf8");
        expect(script).toMatch(/^NODE22_VERSION=22\.\d+\.\d+$/m);
        expect(script).toMatch(/^NODE22_SHA512_x64=[0-9a-f]{128}$/m);
        expect(script).toMatch(/^NODE22_SHA512_arm64=[0-9a-f]{128}$/m);
    });

    // Offline: stand-in `node` executables say which version runs; nothing is fetched.
    describe("tools/ci/node22.sh", () => {
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "node22-"));
        afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
        const fakeNode = (bin: string, version: string) => {
            fs.mkdirSync(bin, { recursive: true });
            fs.writeFileSync(path.join(bin, "node"), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
            return bin;
        };
        const pinned = /^NODE22_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(ROOT, "tools/ci/node22.sh"), "utf8"))![1];
        const arch = process.arch === "arm64" ? "arm64" : "x64";
        const run = (pathDirs: string[], cache: string) =>
            spawnSync("bash", [path.join(ROOT, "tools/ci/node22.sh")], {
                encoding: "utf8",
                env: { PATH: [...pathDirs, "/usr/bin", "/bin"].join(":"), HOME: scratch, XDG_CACHE_HOME: cache },
            });

        it("keeps a node that is already 22 or newer", () => {
            const bin = fakeNode(path.join(scratch, "current"), "v24.1.0");
            const result = run([bin], path.join(scratch, "unused-cache"));
            expect([result.status, result.stdout.trim()]).toEqual([0, bin]);
            expect(fs.existsSync(path.join(scratch, "unused-cache"))).toBe(false);
        });

        // The pinned binaries are Linux ones.
        (process.platform === "linux" ? it : it.skip)("uses the cached pinned Node.js 22 when the node on PATH is older", () => {
            const old = fakeNode(path.join(scratch, "old"), "v20.20.2");
            const cache = path.join(scratch, "cache");
            const cached = fakeNode(path.join(cache, `openwebui-valkey/node-${pinned}-linux-${arch}/bin`), `v${pinned}`);
            const result = run([old], cache);
            expect([result.status, result.stdout.trim()]).toEqual([0, cached]);
            expect(result.stderr).toContain(`Node.js v${pinned} at ${cached}/node`);
        });
    });
});
