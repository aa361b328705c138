// dev and prod realized side by side on one engine, with the names and ports their stack files
// declare: nothing collides, and each Open WebUI talks to its own Valkey.
import { engineSession, healthOf, httpGet, inspect, realizeStack, valkeyCli, waitFor } from "./harness";

jest.setTimeout(180_000);

const session = engineSession("side-by-side");
beforeAll(async () => {
    for (const stack of ["dev", "prod"]) {
        session.realizations.push((await realizeStack(session.docker, session.label, stack)).realization);
    }
});

it("runs both stacks at once, each healthy, on its own network, volumes and host port", async () => {
    for (const [stack, port] of [["dev", 3000], ["prod", 3100]] as const) {
        expect(await healthOf(session.docker, `${stack}-valkey`)).toBe("healthy");
        const valkey = await inspect(session.docker, `${stack}-valkey`);
        expect(Object.keys(valkey.NetworkSettings.Networks)).toEqual([`${stack}-openwebui-network`]);
        expect(valkey.Mounts.map((m) => m.Name)).toEqual([`${stack}-valkey-data`]);
        const web = await inspect(session.docker, `${stack}-open-webui`);
        expect(Object.keys(web.NetworkSettings.Networks)).toEqual([`${stack}-openwebui-network`]);
        expect(web.HostConfig.PortBindings?.["8080/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: String(port) }]);
        await waitFor(`${stack}'s Open WebUI`, 60_000, async () => ((await httpGet(port, "/health")).status === 200 ? true : undefined));
    }
});

it("keeps each deployment's data in its own Valkey", async () => {
    expect(await valkeyCli(session.docker, "dev-valkey", ["SET", "open-webui:owner", "dev"])).toBe("OK");
    expect(await valkeyCli(session.docker, "prod-valkey", ["GET", "open-webui:owner"])).toBe("");
    // Each password opens only its own server.
    const devPassword = (await inspect(session.docker, "dev-valkey")).Config.Env?.find((e) => e.startsWith("REDISCLI_AUTH="));
    expect(await valkeyCli(session.docker, "prod-valkey", ["PING"], [devPassword!])).toMatch(/WRONGPASS|invalid username-password/);
});
