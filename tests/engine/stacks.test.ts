// Each stack, realized on a real engine with a real Valkey 8.0.1: healthy with the declared server
// settings, reached by the Open WebUI stand-in through the exact URLs it was given, hardened, and
// closed to strangers.
import { readFileSync } from "fs";
import Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import type { Realization } from "../../tools/realize/realizer";
import {
    CONTAINER,
    OPEN_WEBUI_SECRETS_FILE,
    capabilityMask,
    cleanUp,
    engine,
    envOf,
    exec,
    healthOf,
    httpGet,
    inspect,
    limit,
    mainProcess,
    planResource,
    realizeStack,
    runLabel,
    shellValue,
    uploadOf,
    valkeyCli,
    waitFor,
} from "./harness";

jest.setTimeout(180_000);

describe.each([
    ["dev", { valkey: "dev-valkey", web: "dev-open-webui", port: 3000, maxclients: 10000, nproc: undefined as number | undefined, maxmemory: "0" }],
    ["prod", { valkey: "prod-valkey", web: "prod-open-webui", port: 3100, maxclients: 10000, nproc: 256, maxmemory: String(384 * 1024 * 1024) }],
])("the %s stack on a real engine", (stack, expected) => {
    let docker: Dockerode;
    let plan: Plan;
    let realization: Realization | undefined;
    const label = runLabel(`stack-${stack}`);

    beforeAll(async () => {
        docker = await engine();
        ({ plan, realization } = await realizeStack(docker, label, stack));
    });
    afterAll(async () => {
        await cleanUp(docker, label, realization ? [realization] : []);
    });

    it("Valkey is healthy and runs with the declared settings", async () => {
        expect(await healthOf(docker, expected.valkey)).toBe("healthy");
        const get = async (key: string) => (await valkeyCli(docker, expected.valkey, ["CONFIG", "GET", key])).split("\n")[1];
        expect(await get("timeout")).toBe("1800");
        expect(await get("maxclients")).toBe(String(expected.maxclients));
        expect(await get("save")).toBe("30 1");
        expect(await get("appendonly")).toBe("yes");
        expect(await get("appendfsync")).toBe("everysec");
        expect(await get("maxmemory-policy")).toBe("noeviction");
        expect(await get("maxmemory")).toBe(expected.maxmemory);
        expect(await get("tcp-keepalive")).toBe("300");
    });

    it("the Open WebUI stand-in reaches Valkey through the exact REDIS_URL and WEBSOCKET_REDIS_URL it was given", async () => {
        const declared = envOf(planResource(plan, "open-webui-container"));
        // The URLs carry the password: they come in the uploaded secrets file its entrypoint sources,
        // not in the container's environment (docker inspect), and reach the server's process exactly.
        const secrets = uploadOf(plan, "open-webui-container", OPEN_WEBUI_SECRETS_FILE).content;
        const urls = [`REDIS_URL=${shellValue(secrets, "REDIS_URL")}`, `WEBSOCKET_REDIS_URL=${shellValue(secrets, "WEBSOCKET_REDIS_URL")}`];
        const inspected = (await inspect(docker, expected.web)).Config.Env ?? [];
        expect(inspected.filter((e) => /^(WEBSOCKET_)?REDIS_URL=/.test(e))).toEqual([]);
        const { pid } = await mainProcess(docker, expected.web);
        expect(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toEqual(expect.arrayContaining(urls));
        const report = await waitFor("the stand-in's checks to pass", 60_000, async () => {
            const r = JSON.parse((await httpGet(expected.port, "/report")).body);
            return r.ok ? r : undefined;
        });
        expect(report.redis).toMatchObject({ scheme: "redis", host: "valkey", port: 6379, db: 0, password_set: true });
        expect(report.websocket_redis).toMatchObject({ host: "valkey", port: 6379, db: 1, password_set: true });
        expect(report).toMatchObject({ key_prefix: "open-webui", ping_ok: true, key_ok: true, pubsub_ok: true, channel: "socketio" });
        expect(report.websocket_options).toEqual(JSON.parse(declared.WEBSOCKET_REDIS_OPTIONS));
        expect((await httpGet(expected.port, "/health")).status).toBe(200);
        // The key landed in db 0 under the prefix, on the Valkey of this stack.
        expect(await valkeyCli(docker, expected.valkey, ["-n", "0", "EXISTS", "open-webui:standin:check"])).toBe("1");
        const logs = (await docker.getContainer(expected.web).logs({ stdout: true, stderr: true })).toString();
        expect(logs).toContain("standin: pubsub ok channel=socketio");
        expect(logs).not.toContain(envOf(planResource(plan, "valkey-container")).REDISCLI_AUTH);
    });

    it("hardening holds: uid 999, no effective capability, the declared bounding set, no-new-privileges, limits", async () => {
        const p = await mainProcess(docker, expected.valkey);
        expect(p.status.Name).toMatch(/^valkey-server/);
        expect(p.status.Uid.split(/\s+/)).toEqual(["999", "999", "999", "999"]);
        expect(BigInt(`0x${p.status.CapEff}`)).toBe(0n);
        expect(BigInt(`0x${p.status.CapPrm}`)).toBe(0n);
        expect(BigInt(`0x${p.status.CapBnd}`)).toBe(capabilityMask(["DAC_OVERRIDE", "SETGID", "SETUID"]));
        expect(p.status.NoNewPrivs).toBe("1");
        expect(limit(p.limits, "Max open files")).toEqual([String(expected.maxclients + 32), String(expected.maxclients + 32)]);
        if (expected.nproc !== undefined) {
            expect(limit(p.limits, "Max processes")).toEqual([String(expected.nproc), String(expected.nproc)]);
        }
        const write = await exec(docker, expected.valkey, ["sh", "-c", "echo x > /usr/local/bin/planted"]);
        expect(write.code).not.toBe(0);
        expect(write.stderr).toMatch(/Read-only file system/);
        expect((await exec(docker, expected.valkey, ["sh", "-c", "echo x > /data/writable && rm /data/writable"])).code).toBe(0);
        const host = (await inspect(docker, expected.valkey)).HostConfig;
        expect(host.ReadonlyRootfs).toBe(true);
        expect(host.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(host.LogConfig).toEqual({ Type: "json-file", Config: { "max-file": "1", "max-size": "1m" } });
        expect(host.RestartPolicy?.Name).toBe("unless-stopped");
    });

    it("strangers are refused, and no Valkey port is published on the host", async () => {
        const anonymous = await exec(docker, expected.valkey, ["env", "-u", "REDISCLI_AUTH", "valkey-cli", "PING"]);
        expect(`${anonymous.stdout}${anonymous.stderr}`.trim()).toMatch(/^NOAUTH Authentication required/);
        expect(await valkeyCli(docker, expected.valkey, ["PING"], ["REDISCLI_AUTH=wrong-password"])).toMatch(/WRONGPASS|invalid username-password/);
        // Another container on the network, without the password.
        const stranger = await exec(docker, expected.web, ["python3", "-c", "import redis\ntry:\n    redis.Redis(host='valkey').ping()\nexcept Exception as e:\n    print(type(e).__name__, e)"]);
        expect(stranger.stdout).toMatch(/AuthenticationError|NOAUTH/);
        const info = await inspect(docker, expected.valkey);
        expect(info.HostConfig.PortBindings ?? {}).toEqual({});
        expect(info.NetworkSettings.Ports["6379/tcp"] ?? null).toBeNull();
        expect(planResource(plan, "valkey-container", CONTAINER).inputs.ports).toBeUndefined();
    });
});
