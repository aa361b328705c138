// A real realization on the test engine: network + volume + the Valkey container, healthy, as
// declared; then a replacement that keeps the data volume; then nothing left behind.
// Runs only when /tmp/openwebui-valkey-engine/env exists and the test image is on that engine.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import Dockerode from "dockerode";

import { RUN_LABEL_KEY, realize, removeByLabel, replaceContainer } from "../../tools/realize/realizer";
import type { Realization } from "../../tools/realize/realizer";
import type { Plan, PlanResource } from "../../tools/realize/plan";
import { CONTAINER_URN, LOCAL_IMAGE, NETWORK_URN, UPSTREAM_IMAGE, VOLUME_URN, valkeyInputs, valkeyPlan } from "./fixtures";

const ENV_FILE = "/tmp/openwebui-valkey-engine/env";

function engineHost(): string | undefined {
    if (!existsSync(ENV_FILE)) return undefined;
    const match = /DOCKER_HOST=("?)([^"\n]+)\1/.exec(readFileSync(ENV_FILE, "utf8"));
    if (match === null) return undefined;
    const host = match[2] as string;
    const probe = spawnSync("docker", ["image", "inspect", LOCAL_IMAGE], { env: { ...process.env, DOCKER_HOST: host }, encoding: "utf8", timeout: 20_000 });
    return probe.status === 0 ? host : undefined;
}

const host = engineHost();
const suite = host === undefined ? describe.skip : describe;
if (host === undefined) {
    console.log(`engine smoke test skipped: no engine at ${ENV_FILE} or no image ${LOCAL_IMAGE} on it`);
}

function dockerFor(url: string): Dockerode {
    return new Dockerode(url.startsWith("unix://") ? { socketPath: url.slice("unix://".length) } : undefined);
}

async function exec(docker: Dockerode, id: string, cmd: string[]): Promise<string> {
    const run = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await run.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve());
        stream.on("error", reject);
    });
    // strip the multiplexing headers
    const data = Buffer.concat(chunks);
    const out: Buffer[] = [];
    for (let i = 0; i + 8 <= data.length; ) {
        const size = data.readUInt32BE(i + 4);
        out.push(data.subarray(i + 8, i + 8 + size));
        i += 8 + size;
    }
    return Buffer.concat(out).toString("utf8").trim();
}

suite("realization on the test engine", () => {
    const docker = dockerFor(host ?? "");
    const runLabel = `smoke-${process.pid}-${Date.now()}`;
    const suffix = runLabel;
    let plan: Plan;
    let realization: Realization | undefined;

    beforeAll(() => {
        plan = valkeyPlan(
            valkeyInputs({
                name: `valkey-${suffix}`,
                volumes: [{ volumeName: `valkey-data-${suffix}`, containerPath: "/data" }],
                networksAdvanced: [{ name: `net-${suffix}`, aliases: ["valkey"] }],
                // a random host port: tests may run side by side
                ports: [{ internal: 6379, ip: "127.0.0.1" }],
            }),
        );
        for (const r of plan.resources) {
            if (r.urn === NETWORK_URN) r.inputs = { name: `net-${suffix}`, driver: "bridge" };
            if (r.urn === VOLUME_URN) r.inputs = { name: `valkey-data-${suffix}` };
        }
    });

    afterAll(async () => {
        if (realization !== undefined) await realization.destroy();
        await removeByLabel(docker, runLabel);
    });

    it("creates the network, volume and a healthy container as declared", async () => {
        realization = await realize(plan, { docker, imageMap: { [UPSTREAM_IMAGE]: LOCAL_IMAGE }, runLabel });
        const info = await docker.getContainer(realization.containerId("dev-valkey")).inspect();
        expect(info.State.Running).toBe(true);
        expect(info.State.Health?.Status).toBe("healthy");
        expect(info.Config.User).toBe("999");
        expect(info.Config.Labels[RUN_LABEL_KEY]).toBe(runLabel);
        expect(info.Config.Healthcheck).toEqual({
            Test: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], Interval: 1e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 5,
        });
        const hc = info.HostConfig;
        expect(hc.Memory).toBe(512 * 1024 * 1024);
        expect(hc.ReadonlyRootfs).toBe(true);
        expect(hc.CapDrop).toEqual(["ALL"]);
        expect([...(hc.CapAdd as string[])].sort()).toEqual(["DAC_OVERRIDE", "SETGID", "SETUID"]);
        expect(hc.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(hc.Ulimits).toEqual([{ Name: "nofile", Soft: 10032, Hard: 10032 }]);
        expect(hc.LogConfig).toEqual({ Type: "json-file", Config: { "max-file": "1", "max-size": "1m" } });
        expect(hc.RestartPolicy).toEqual({ Name: "unless-stopped", MaximumRetryCount: 0 });
        expect(hc.Binds).toEqual([`valkey-data-${suffix}:/data:rw`]);
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([`net-${suffix}`]);
        expect(info.NetworkSettings.Networks[`net-${suffix}`]?.Aliases).toEqual(expect.arrayContaining(["valkey"]));
        const bound = info.NetworkSettings.Ports["6379/tcp"]?.[0];
        expect(bound?.HostIp).toBe("127.0.0.1");
        expect(Number(bound?.HostPort)).toBeGreaterThan(0);
        expect(await exec(docker, info.Id, ["valkey-cli", "ping"])).toBe("PONG");
        expect(realization.resources[CONTAINER_URN]).toBe(info.Id);
    }, 120_000);

    it("replaces the container and keeps the data in the named volume", async () => {
        if (realization === undefined) throw new Error("no realization");
        const before = realization.containerId("dev-valkey");
        expect(await exec(docker, before, ["valkey-cli", "SET", "survivor", "yes"])).toBe("OK");
        expect(await exec(docker, before, ["valkey-cli", "SAVE"])).toBe("OK");
        const resource = plan.resources.find((r) => r.urn === CONTAINER_URN) as PlanResource;
        const after = await replaceContainer(realization, resource);
        expect(after).not.toBe(before);
        expect(await exec(docker, after, ["valkey-cli", "GET", "survivor"])).toBe("yes");
    }, 120_000);

    it("destroy leaves nothing labelled behind", async () => {
        if (realization === undefined) throw new Error("no realization");
        await realization.destroy();
        const filters = { label: [`${RUN_LABEL_KEY}=${runLabel}`] };
        expect(await docker.listContainers({ all: true, filters })).toEqual([]);
        expect(await docker.listNetworks({ filters })).toEqual([]);
        expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    }, 60_000);
});
