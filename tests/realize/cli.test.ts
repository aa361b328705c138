import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { parseArguments } from "../../tools/realize/cli";
import { UPSTREAM_IMAGE, valkeyInputs, valkeyPlan } from "./fixtures";

const ROOT = join(__dirname, "../..");

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(ROOT, "tools/realize/cli.ts"), ...args], {
        encoding: "utf8",
        // no engine is needed for these runs; point elsewhere so nothing could reach one
        env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" },
        timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cli arguments", () => {
    it("reads the plan path, image mappings, label and mode", () => {
        expect(parseArguments(["plan.json", "--image", "a/b:1=c/d:2", "--image", "x=y", "--label", "L", "--verbose"])).toEqual({
            planPath: "plan.json", imageMap: { "a/b:1": "c/d:2", x: "y" }, label: "L", destroy: false, roundtrip: false, verbose: true,
        });
        expect(parseArguments(["plan.json", "--label", "L", "--destroy"]).destroy).toBe(true);
        expect(parseArguments(["plan.json", "--roundtrip"]).roundtrip).toBe(true);
    });

    it.each([
        [[], /usage/],
        [["plan.json", "--image"], /--image needs a value/],
        [["plan.json", "--image", "noequals"], /<upstream>=<local>/],
        [["plan.json", "--image", "a=b", "--image", "a=c"], /maps "a" twice/],
        [["plan.json", "--destroy"], /--destroy needs --label/],
        [["plan.json", "--label", "L", "--destroy", "--roundtrip"], /exclude each other/],
        [["plan.json", "--bogus"], /unknown option --bogus/],
        [["a.json", "b.json"], /one plan file only/],
    ])("refuses %j", (argv, message) => {
        expect(() => parseArguments(argv)).toThrow(message);
    });
});

describe("cli errors: one line, non-zero exit, no stack trace", () => {
    let dir: string;
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), "realize-cli-"));
    });
    afterAll(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    const expectOneLineError = (result: ReturnType<typeof runCli>, message: RegExp, status = 1) => {
        expect(result.status).toBe(status);
        expect(result.stdout).toBe("");
        const lines = result.stderr.trimEnd().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^realize: /);
        expect(lines[0]).toMatch(message);
        expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    };

    it("a missing image mapping", () => {
        const path = join(dir, "plan.json");
        writeFileSync(path, JSON.stringify(valkeyPlan()));
        expectOneLineError(runCli([path]), new RegExp(`no image mapping for "${UPSTREAM_IMAGE.replace(/[./]/g, "\\$&")}"`));
    });

    it("an unmapped field", () => {
        const path = join(dir, "bad.json");
        writeFileSync(path, JSON.stringify(valkeyPlan(valkeyInputs({ pidsLimit: 10 }))));
        expectOneLineError(runCli([path, "--image", `${UPSTREAM_IMAGE}=local/x:1`]), /field "pidsLimit" is not mapped by the realizer/);
    });

    it("an unreadable or malformed plan, and bad arguments", () => {
        expectOneLineError(runCli([join(dir, "absent.json")]), /cannot read .*absent\.json: ENOENT/);
        const path = join(dir, "broken.json");
        writeFileSync(path, "{");
        expectOneLineError(runCli([path]), /broken\.json is not JSON/);
        expectOneLineError(runCli([path, "--frobnicate"]), /unknown option --frobnicate/, 2);
    });
});
