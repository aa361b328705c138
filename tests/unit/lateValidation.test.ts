// A value that arrives as an Output (e.g. a URL from another resource) is checked when it resolves:
// the update fails with the same message a plain value gets up front. A failed update ends the
// process, so each case runs the program in a process of its own.
import { spawnSync } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "../..");
function runProgram(redisUrl: string, timeout: number, image?: string) {
    const args = ["--import", "tsx", "tests/helpers/lateValidationProgram.ts", redisUrl, String(timeout), ...(image === undefined ? [] : [image])];
    const result = spawnSync(process.execPath, args, {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

it("fails on a valkey:// URL that arrives as an Output, naming the setting and hiding the password", () => {
    const { status, output } = runProgram("valkey://:hunter2@valkey:6379/0", 1800);
    expect(status).not.toBe(0);
    expect(output).toMatch(/redisUrl = "valkey:\/\/:\*\*\*@valkey:6379\/0": .*vector-database feature.*Fix: write the same address as redis:\/\//);
    expect(output).not.toContain("hunter2");
});

it("fails when a server timeout that arrives as an Output is not above the health-check interval", () => {
    const { status, output } = runProgram("redis://:pw@valkey:6379/0", 45);
    expect(status).not.toBe(0);
    expect(output).toMatch(/redisHealthCheckIntervalSeconds = 60: it is not below the server's idle timeout of 45 s/);
});

it("fails on an image reference Docker would refuse that arrives as an Output, before the container", () => {
    const { status, output } = runProgram("redis://:pw@valkey:6379/0", 1800, "ghcr.io/Open-WebUI/open-webui:v0.6.36");
    expect(status).not.toBe(0);
    expect(output).toMatch(/image = "ghcr.io\/Open-WebUI\/open-webui:v0.6.36": Docker would refuse this image reference \(.*lowercase\).*Fix:/);
    expect(output).not.toContain("container late");
});

it("accepts valid values that arrive as Outputs", () => {
    const { status, output } = runProgram("redis://:pw@valkey:6379/0", 1800, "ghcr.io/open-webui/open-webui:v0.12.4");
    expect(output).toContain("websocket redis://:pw@valkey:6379/1");
    expect(output).toContain("container late");
    expect(status).toBe(0);
});
