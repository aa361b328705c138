import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_CONFIG_KEYS } from "../../program/stackConfig";
import type { Plan } from "../../tools/plan/evaluate";

export const ROOT = path.resolve(__dirname, "../..");

export interface PlanRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs the plan command as a user would (`npm run plan -- ...`), in a process of its own. */
export function runPlan(args: string[], cwd = ROOT): PlanRun {
    const result = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "tools/plan/cli.ts"), ...args], {
        cwd,
        encoding: "utf8",
        timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The JSON plan of a stack, failing loudly (with the command's message) if it cannot be made. Keys
 * that must be stored encrypted (SECRET_CONFIG_KEYS) go in as `--secret-config`, as
 * `pulumi config set --secret` would store them; the program refuses them in plain text.
 */
export function renderPlan(stack: string, options: { config?: Record<string, string | number | boolean>; showSecrets?: boolean; project?: string } = {}): Plan {
    const args = ["--stack", stack, "--json"];
    for (const [key, value] of Object.entries(options.config ?? {})) {
        const secret = (SECRET_CONFIG_KEYS as readonly string[]).includes(key);
        args.push(secret ? "--secret-config" : "--config", `${key}=${value}`);
    }
    if (options.showSecrets) args.push("--show-secrets");
    if (options.project) args.push("--project", options.project);
    const run = runPlan(args);
    if (run.status !== 0) {
        throw new Error(`plan ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
    }
    return JSON.parse(run.stdout) as Plan;
}

/**
 * A scratch copy of the project with its own Pulumi.yaml and stack files; the program's sources and
 * node_modules are linked, so the real program runs.
 */
const scratchDirs: string[] = [];

/** A `staging` stack whose valkeyPassword and databaseUrl are encrypted, as `pulumi config set --secret` stores them. */
export const ENCRYPTED_STAGING_STACK = {
    "Pulumi.staging.yaml": [
        "config:",
        "  openwebui-valkey:valkeyPassword:",
        "    secure: v1:AAAAAAAAAAAAAAAA:cannotbedecryptedoffline",
        "  openwebui-valkey:databaseUrl:",
        "    secure: v1:BBBBBBBBBBBBBBBB:cannotbedecryptedoffline",
        "",
    ].join("\n"),
};

export function scratchProject(stackFiles: Record<string, string>, projectFile?: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openwebui-valkey-plan-"));
    scratchDirs.push(dir);
    for (const entry of ["index.ts", "components", "program", "node_modules", "package.json"]) {
        fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
    }
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectFile ?? fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    for (const [name, text] of Object.entries(stackFiles)) {
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

export function resource(plan: Plan, type: string, name: string) {
    const found = plan.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`plan has no ${type} ${name}`);
    return found;
}

export function envMap(envs: unknown): Record<string, string> {
    return Object.fromEntries((envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** Removes the scratch projects this test file made (the links, not what they point at). */
export function removeScratchProjects(): void {
    for (const dir of scratchDirs.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
