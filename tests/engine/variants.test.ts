// Variants rendered with the plan's --config overrides: run as the valkey user with no capability
// at all, and authentication off (which must behave as upstream, protected mode off).
import { OPEN_WEBUI_SECRETS_FILE, engineSession, exec, healthOf, httpGet, inspect, limit, mainProcess, realizeStack, shellValue, uploadOf, valkeyCli, waitFor } from "./harness";

jest.setTimeout(180_000);

const session = engineSession("variants");

it("run as the valkey user: uid 999 from the start, no capability in any set, hardening otherwise the same", async () => {
    const { realization } = await realizeStack(session.docker, session.label, "dev", { namePrefix: "asvalkey", valkeyRunAsValkeyUser: true, openWebUIHostPort: 3201 });
    session.realizations.push(realization);
    expect(await healthOf(session.docker, "asvalkey-valkey")).toBe("healthy");
    const info = await inspect(session.docker, "asvalkey-valkey");
    expect(info.Config.User).toBe("999");
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    const p = await mainProcess(session.docker, "asvalkey-valkey");
    expect(p.status.Uid.split(/\s+/)).toEqual(["999", "999", "999", "999"]);
    for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) {
        expect([set, BigInt(`0x${p.status[set]}`)]).toEqual([set, 0n]);
    }
    expect(p.status.NoNewPrivs).toBe("1");
    expect(limit(p.limits, "Max open files")).toEqual(["10032", "10032"]);
    expect((await exec(session.docker, "asvalkey-valkey", ["sh", "-c", "touch /etc/planted"])).code).not.toBe(0);
    expect(await valkeyCli(session.docker, "asvalkey-valkey", ["SET", "k", "v"])).toBe("OK");
    const report = await waitFor("the stand-in", 60_000, async () => {
        const r = JSON.parse((await httpGet(3201, "/report")).body);
        return r.ok ? r : undefined;
    });
    expect(report.pubsub_ok).toBe(true);
});

it("authentication off: healthy, and a client without a password is answered, as upstream", async () => {
    const { plan, realization } = await realizeStack(session.docker, session.label, "dev", { namePrefix: "noauth", valkeyAuthentication: false, openWebUIHostPort: 3202 });
    session.realizations.push(realization);
    expect(await healthOf(session.docker, "noauth-valkey")).toBe("healthy");
    // The container has no password in its environment at all.
    expect((await inspect(session.docker, "noauth-valkey")).Config.Env?.some((e) => e.startsWith("REDISCLI_AUTH="))).toBe(false);
    expect(await valkeyCli(session.docker, "noauth-valkey", ["PING"])).toBe("PONG");
    expect(await valkeyCli(session.docker, "noauth-valkey", ["CONFIG", "GET", "protected-mode"])).toBe("protected-mode\nno");
    // From another container on the network, the way Open WebUI connects.
    const other = await exec(session.docker, "noauth-open-webui", ["python3", "-c", "import redis; print(redis.Redis(host='valkey').ping())"]);
    expect(other.stdout.trim()).toBe("True");
    expect(plan.resources.find((r) => r.name === "valkey-password")).toBeUndefined();
    const report = await waitFor("the stand-in", 60_000, async () => {
        const r = JSON.parse((await httpGet(3202, "/report")).body);
        return r.ok ? r : undefined;
    });
    expect(report.redis).toMatchObject({ host: "valkey", db: 0, password_set: false });
});

it("a user-supplied password with URL-special characters works for the healthcheck and, percent-encoded, for redis-py", async () => {
    const password = "p@ss:w/rd?#%&= \"$x";
    const { plan, realization } = await realizeStack(session.docker, session.label, "dev", { namePrefix: "special", valkeyPassword: password, openWebUIHostPort: 3205 });
    session.realizations.push(realization);
    expect(await healthOf(session.docker, "special-valkey")).toBe("healthy");
    // percent-encoded in the secrets file Open WebUI's entrypoint sources (shell-quoted there)
    const secrets = uploadOf(plan, "open-webui-container", OPEN_WEBUI_SECRETS_FILE).content;
    expect(shellValue(secrets, "REDIS_URL")).toBe(`redis://:${encodeURIComponent(password)}@valkey:6379/0`);
    const report = await waitFor("the stand-in", 60_000, async () => {
        const r = JSON.parse((await httpGet(3205, "/report")).body);
        return r.ok ? r : undefined;
    });
    expect(report).toMatchObject({ ping_ok: true, key_ok: true, pubsub_ok: true });
    expect(await valkeyCli(session.docker, "special-valkey", ["PING"], [`REDISCLI_AUTH=${password}`])).toBe("PONG");
});
