// Variants rendered with the plan's --config overrides: run as the valkey user with no capability
// at all, authentication off (which must behave as upstream, protected mode off), and a password
// with URL-special characters. In each, the real Open WebUI works through Valkey: connected from its
// address to db 0 and db 1, subscribed to its channels, and a sign-in and a sign-out leave their
// keys in db 0 under the prefix.
import { readFileSync } from "fs";
import { OPEN_WEBUI_SECRETS_FILE, engineSession, exec, healthOf, inspect, limit, mainProcess, realizeStack, shellValue, uploadOf, valkeyCli, waitFor } from "./harness";
import { OpenWebUIClient } from "./openWebUIClient";

jest.setTimeout(180_000);

const session = engineSession("variants");

/** The variable `name` in the environment of a container's main process (Open WebUI's server). */
async function serverEnv(container: string, name: string): Promise<string | undefined> {
    const { pid } = await mainProcess(session.docker, container);
    const entry = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").find((e) => e.startsWith(`${name}=`));
    return entry?.slice(name.length + 1);
}

/**
 * Open WebUI (`<prefix>-open-webui`, published on `port`) works through its Valkey (`<prefix>-valkey`):
 * connections from its address in db 0 and db 1, its channels subscribed, a sign-in's rate-limit key
 * and a sign-out's revocation in db 0 (not db 1) under the prefix, the revoked token refused.
 */
async function worksThroughValkey(prefix: string, port: number): Promise<void> {
    const docker = session.docker;
    const valkey = `${prefix}-valkey`;
    const web = Object.values((await inspect(docker, `${prefix}-open-webui`)).NetworkSettings.Networks)[0]?.IPAddress;
    expect(web).toBeTruthy();
    const dbs = await waitFor("Open WebUI's connections in db 0 and db 1", 30_000, async () => {
        const lines = (await valkeyCli(docker, valkey, ["CLIENT", "LIST"])).split("\n").filter((l) => l.includes(` addr=${web}:`));
        const found = [...new Set(lines.map((l) => /\bdb=(\d+)/.exec(l)?.[1]))].sort();
        return found.length === 2 ? found : undefined;
    });
    expect(dbs).toEqual(["0", "1"]);
    expect((await valkeyCli(docker, valkey, ["PUBSUB", "CHANNELS"])).split("\n")).toEqual(expect.arrayContaining(["socketio", "open-webui:tasks:commands"]));
    const client = new OpenWebUIClient(port);
    const email = `admin@${prefix}.test`;
    await client.signUp(email);
    const signedIn = await client.signIn(email);
    const ratelimit = `open-webui:ratelimit:${email}:`;
    expect(await valkeyCli(docker, valkey, ["-n", "0", "--scan", "--pattern", `${ratelimit}*`])).toMatch(new RegExp(`^${ratelimit.replace(/[.]/g, "\\.")}\\d+$`, "m"));
    expect(await valkeyCli(docker, valkey, ["-n", "1", "--scan", "--pattern", `${ratelimit}*`])).toBe("");
    await client.signOut(signedIn.token);
    const revoked = `open-webui:auth:token:${signedIn.jti}:revoked`;
    expect(await valkeyCli(docker, valkey, ["-n", "0", "GET", revoked])).toBe("1");
    expect(await valkeyCli(docker, valkey, ["-n", "1", "EXISTS", revoked])).toBe("0");
    expect((await client.me(signedIn.token)).status).toBe(401);
}

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
    await worksThroughValkey("asvalkey", 3201);
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
    // Open WebUI's server was given URLs without a password, and works with them.
    expect(await valkeyCli(session.docker, "noauth-valkey", ["CONFIG", "GET", "requirepass"])).toBe("requirepass"); // an empty value, trimmed
    expect(await serverEnv("noauth-open-webui", "REDIS_URL")).toBe("redis://valkey:6379/0");
    expect(await serverEnv("noauth-open-webui", "WEBSOCKET_REDIS_URL")).toBe("redis://valkey:6379/1");
    await worksThroughValkey("noauth", 3202);
});

it("a user-supplied password with URL-special characters works for the healthcheck and, percent-encoded, for Open WebUI", async () => {
    const password = "p@ss:w/rd?#%&= \"$x";
    const { plan, realization } = await realizeStack(session.docker, session.label, "dev", { namePrefix: "special", valkeyPassword: password, openWebUIHostPort: 3205 });
    session.realizations.push(realization);
    expect(await healthOf(session.docker, "special-valkey")).toBe("healthy");
    // percent-encoded in the secrets file Open WebUI's entrypoint sources (shell-quoted there)
    const secrets = uploadOf(plan, "open-webui-container", OPEN_WEBUI_SECRETS_FILE).content;
    expect(shellValue(secrets, "REDIS_URL")).toBe(`redis://:${encodeURIComponent(password)}@valkey:6379/0`);
    expect(await serverEnv("special-open-webui", "REDIS_URL")).toBe(`redis://:${encodeURIComponent(password)}@valkey:6379/0`);
    expect(await serverEnv("special-open-webui", "WEBSOCKET_REDIS_URL")).toBe(`redis://:${encodeURIComponent(password)}@valkey:6379/1`);
    // The server requires exactly that password, so Open WebUI's connections authenticated with it, decoded.
    expect(await valkeyCli(session.docker, "special-valkey", ["CONFIG", "GET", "requirepass"])).toBe(`requirepass\n${password}`);
    await worksThroughValkey("special", 3205);
    expect(await valkeyCli(session.docker, "special-valkey", ["PING"], [`REDISCLI_AUTH=${password}`])).toBe("PONG");
});
