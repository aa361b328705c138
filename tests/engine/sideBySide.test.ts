// dev and prod realized side by side on one engine, with the names and ports their stack files
// declare: nothing collides, and each Open WebUI talks to its own Valkey.
import Dockerode from "dockerode";
import type { Realization } from "../../tools/realize/realizer";
import { cleanUp, engine, healthOf, httpGet, inspect, realizeStack, runLabel, valkeyCli, waitFor } from "./harness";

jest.setTimeout(180_000);

let docker: Dockerode;
const realizations: Realization[] = [];
const label = runLabel("side-by-side");
beforeAll(async () => {
    docker = await engine();
    for (const stack of ["dev", "prod"]) {
        realizations.push((await realizeStack(docker, label, stack)).realization);
    }
});
afterAll(async () => {
    await cleanUp(docker, label, realizations);
});

it("runs both stacks at once, each healthy, on its own network, volumes and host port", async () => {
    for (const [stack, port] of [["dev", 3000], ["prod", 3100]] as const) {
        expect(await healthOf(docker, `${stack}-valkey`)).toBe("healthy");
        const valkey = await inspect(docker, `${stack}-valkey`);
        expect(Object.keys(valkey.NetworkSettings.Networks)).toEqual([`${stack}-openwebui-network`]);
        expect(valkey.Mounts.map((m) => m.Name)).toEqual([`${stack}-valkey-data`]);
        const web = await inspect(docker, `${stack}-open-webui`);
        expect(Object.keys(web.NetworkSettings.Networks)).toEqual([`${stack}-openwebui-network`]);
        expect(web.HostConfig.PortBindings?.["8080/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: String(port) }]);
        await waitFor(`${stack}'s Open WebUI stand-in`, 60_000, async () => ((await httpGet(port, "/health")).status === 200 ? true : undefined));
    }
});

it("keeps each deployment's data in its own Valkey", async () => {
    expect(await valkeyCli(docker, "dev-valkey", ["SET", "open-webui:owner", "dev"])).toBe("OK");
    expect(await valkeyCli(docker, "prod-valkey", ["GET", "open-webui:owner"])).toBe("");
    // Each password opens only its own server.
    const devPassword = (await inspect(docker, "dev-valkey")).Config.Env?.find((e) => e.startsWith("REDISCLI_AUTH="));
    expect(await valkeyCli(docker, "prod-valkey", ["PING"], [devPassword!])).toMatch(/WRONGPASS|invalid username-password/);
});
