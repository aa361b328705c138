// The realizer's orchestration on a real engine: what it creates, in which order, how it waits, how
// it fails (loudly, leaving nothing behind), how it replaces a container and cleans up by label.
// Small hand-written plans run the Valkey test image; the order of operations is read from the
// engine's own event stream. Every object is named rt-<run id>-<test>-..., every run label starts
// with engine-test-realizer-, and afterAll removes all of them, also after a failed test.
import Dockerode from "dockerode";
import type { Plan, PlanResource } from "../../tools/plan/evaluate";
import { PlanError } from "../../tools/realize/plan";
import { RUN_LABEL_KEY, Realization, RealizeError, realize, removeByLabel, replaceContainer } from "../../tools/realize/realizer";
import { IMAGE_MAP, cleanUp, engine, exec, inspect, runLabel, valkeyCli, waitFor } from "./harness";

jest.setTimeout(30_000);

const UPSTREAM = "docker.io/valkey/valkey:8.0.1-alpine";
const LOCAL = IMAGE_MAP[UPSTREAM];
const PROJECT = "openwebui-valkey";
const STACK = "rt";
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;
const CACHE_URN = `urn:pulumi:${STACK}::${PROJECT}::openwebui-valkey:index:ValkeyCache::rt`;
const child = (type: string, name: string): string => `urn:pulumi:${STACK}::${PROJECT}::openwebui-valkey:index:ValkeyCache$${type}::${name}`;
const NETWORK_URN = child("docker:index/network:Network", "rt-network");
const VOLUME_URN = child("docker:index/volume:Volume", "rt-valkey-data");
const IMAGE_URN = child("docker:index/remoteImage:RemoteImage", "rt-valkey-image");
const CONTAINER_URN = child("docker:index/container:Container", "rt-valkey");

/** Unique per run, so that two runs of this file on one engine never meet. */
const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}`;
const NAME_PREFIX = `rt-${RUN_ID}-`;
const BASE_LABEL = runLabel("realizer"); // engine-test-realizer-r<run>-<pid>-<time>

let docker: Dockerode;
const realizations: Realization[] = [];
const labels: string[] = [];
/** Open event streams: closed after each test, so a failed test leaves none to keep jest running. */
const eventLogs = new Set<{ close(): void }>();
let sequence = 0;

/** The names and run label of one test. */
interface Names {
    prefix: string;
    network: string;
    volume: string;
    container: string;
    label: string;
    /** A label of the same family that is not this run's: for objects a test needs to be foreign. */
    foreign: string;
}

function names(): Names {
    const n = ++sequence;
    const prefix = `${NAME_PREFIX}${n}`;
    const label = `${BASE_LABEL}-${n}`;
    labels.push(label, `${label}-foreign`);
    return { prefix, network: `${prefix}-net`, volume: `${prefix}-data`, container: `${prefix}-valkey`, label, foreign: `${label}-foreign` };
}

const VALKEY_COMMAND = `exec docker-entrypoint.sh valkey-server --requirepass "$REDISCLI_AUTH" --save '30 1' --maxclients 10000 --timeout 1800`;
const HEALTHCHECK = { tests: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], interval: "1s", timeout: "3s", startPeriod: "5s", retries: 5 };

/** The Valkey container's inputs, hardened as the component declares it, on a random host port. */
function valkeyInputs(n: Names, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: n.container,
        image: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        command: ["sh", "-c", VALKEY_COMMAND],
        envs: ["REDISCLI_AUTH=abc"],
        capabilities: { drops: ["ALL"], adds: ["SETGID", "SETUID", "DAC_OVERRIDE"] },
        healthcheck: HEALTHCHECK,
        logDriver: "json-file",
        logOpts: { "max-file": "1", "max-size": "1m" },
        restart: "unless-stopped",
        volumes: [{ volumeName: n.volume, containerPath: "/data" }],
        networksAdvanced: [{ name: n.network, aliases: ["valkey"] }],
        readOnly: true,
        securityOpts: ["no-new-privileges:true"],
        user: "999",
        ulimits: [{ name: "nofile", soft: 10032, hard: 10032 }],
        memory: 512,
        ports: [{ internal: 6379, ip: "127.0.0.1" }],
        wait: true,
        waitTimeout: 8,
        mustRun: true,
        ...overrides,
    };
}

function containerResource(inputs: Record<string, unknown>): PlanResource {
    return {
        urn: CONTAINER_URN,
        type: "docker:index/container:Container",
        name: "rt-valkey",
        parent: CACHE_URN,
        inputs,
        options: { dependsOn: [IMAGE_URN, NETWORK_URN, VOLUME_URN] },
    };
}

/** Network + volume + image + the Valkey container, under a component and the stack (the container first: order comes from dependsOn). */
function valkeyPlan(n: Names, overrides: Record<string, unknown> = {}): Plan {
    return {
        project: PROJECT,
        stack: STACK,
        resources: [
            { urn: STACK_URN, type: "pulumi:pulumi:Stack", name: `${PROJECT}-${STACK}`, parent: null, inputs: {}, options: {} },
            { urn: CACHE_URN, type: "openwebui-valkey:index:ValkeyCache", name: "rt", parent: STACK_URN, inputs: {}, options: {} },
            containerResource(valkeyInputs(n, overrides)),
            { urn: NETWORK_URN, type: "docker:index/network:Network", name: "rt-network", parent: CACHE_URN, inputs: { name: n.network, driver: "bridge" }, options: {} },
            { urn: VOLUME_URN, type: "docker:index/volume:Volume", name: "rt-valkey-data", parent: CACHE_URN, inputs: { name: n.volume }, options: { retainOnDelete: true } },
            { urn: IMAGE_URN, type: "docker:index/remoteImage:RemoteImage", name: "rt-valkey-image", parent: CACHE_URN, inputs: { name: UPSTREAM, keepLocally: true }, options: {} },
        ],
        outputs: {},
    };
}

async function go(n: Names, plan: Plan | unknown, extra: Record<string, unknown> = {}): Promise<Realization> {
    try {
        const realization = await realize(plan, { docker, imageMap: IMAGE_MAP, runLabel: n.label, pollMilliseconds: 100, ...extra });
        realizations.push(realization);
        return realization;
    } catch (e) {
        if (e instanceof RealizeError) realizations.push(e.realization);
        throw e;
    }
}

async function failsWith(n: Names, plan: Plan | unknown, message: RegExp, extra: Record<string, unknown> = {}): Promise<Error> {
    const error = await go(n, plan, extra).then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    return error as Error;
}

/** What carries a run label on the engine. */
async function leftovers(label: string) {
    const filters = { label: [`${RUN_LABEL_KEY}=${label}`] };
    return {
        containers: (await docker.listContainers({ all: true, filters })).length,
        networks: (await docker.listNetworks({ filters })).length,
        volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).length,
    };
}
const NOTHING = { containers: 0, networks: 0, volumes: 0 };

const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number }).statusCode;
async function exists(what: Promise<unknown>): Promise<boolean> {
    try {
        await what;
        return true;
    } catch (e) {
        if (statusOf(e) === 404) return false;
        throw e;
    }
}
const containerExists = (ref: string) => exists(docker.getContainer(ref).inspect());
const networkExists = (ref: string) => exists(docker.getNetwork(ref).inspect());
const volumeExists = (name: string) => exists(docker.getVolume(name).inspect());

async function createForeignNetwork(name: string, label: string): Promise<void> {
    await docker.createNetwork({ Name: name, CheckDuplicate: true, Labels: { [RUN_LABEL_KEY]: label } });
}

/**
 * The engine's events about one test's objects (names starting with its prefix), one line each:
 * "container start <name>", "network connect <network> <container>", "volume create <name>",
 * "container die <name> <exit code>", "container kill <name> <signal>". Healthcheck execs are left out.
 */
class EventLog {
    private readonly lines: string[] = [];
    private readonly containerNames = new Map<string, string>();
    private buffer = "";
    private constructor(
        private readonly prefix: string,
        private readonly stream: NodeJS.ReadableStream & { destroy(): void },
    ) {
        stream.on("data", (chunk: Buffer) => {
            this.buffer += chunk.toString("utf8");
            let i: number;
            while ((i = this.buffer.indexOf("\n")) >= 0) {
                const line = this.buffer.slice(0, i).trim();
                this.buffer = this.buffer.slice(i + 1);
                if (line !== "") this.add(JSON.parse(line));
            }
        });
        stream.on("error", () => undefined);
        eventLogs.add(this);
    }

    close(): void {
        eventLogs.delete(this);
        this.stream.destroy();
    }

    /** Starts listening; the engine has registered the subscription when this resolves. */
    static async start(n: Names): Promise<EventLog> {
        const stream = await docker.getEvents({ filters: { type: ["container", "network", "volume"] } });
        return new EventLog(`${n.prefix}-`, stream as NodeJS.ReadableStream & { destroy(): void });
    }

    private add(event: { Type: string; Action: string; Actor: { ID: string; Attributes?: Record<string, string> } }): void {
        const a = event.Actor.Attributes ?? {};
        const ours = (name: string | undefined) => name !== undefined && name.startsWith(this.prefix);
        if (event.Type === "container") {
            if (event.Action.startsWith("exec_") || !ours(a.name)) return;
            this.containerNames.set(event.Actor.ID, a.name as string);
            const detail = event.Action === "die" ? ` ${a.exitCode}` : event.Action === "kill" ? ` ${a.signal}` : "";
            this.lines.push(`container ${event.Action} ${a.name}${detail}`);
        } else if (event.Type === "network") {
            const container = a.container !== undefined ? this.containerNames.get(a.container) : undefined;
            if (!ours(a.name) && container === undefined) return;
            this.lines.push(`network ${event.Action} ${a.name}${container !== undefined ? ` ${container}` : ""}`);
        } else if (event.Type === "volume") {
            const container = a.container !== undefined ? this.containerNames.get(a.container) : undefined;
            if (!ours(event.Actor.ID) && container === undefined) return;
            this.lines.push(`volume ${event.Action} ${event.Actor.ID}${container !== undefined ? ` ${container}` : ""}`);
        }
    }

    /** Stops listening once `last` has been seen (events arrive a little after the calls), or after a short settle time. */
    async stop(last?: string): Promise<string[]> {
        try {
            if (last !== undefined) await waitFor(`the event "${last}"`, 5000, async () => (this.lines.includes(last) ? true : undefined), 50);
            else await new Promise((r) => setTimeout(r, 500));
        } finally {
            this.close();
        }
        return [...this.lines];
    }
}

/** Each of `expected` is in `lines`, and their first occurrences come in this order. */
function expectInOrder(lines: string[], expected: string[]): void {
    const positions = expected.map((e) => [e, lines.indexOf(e)] as const);
    for (const [e, at] of positions) expect([e, at >= 0]).toEqual([e, true]);
    const sorted = [...positions].sort((x, y) => x[1] - y[1]).map(([e]) => e);
    expect(sorted).toEqual(expected);
}

beforeAll(async () => {
    if (!BASE_LABEL.startsWith("engine-test-realizer-")) throw new Error(`run label ${BASE_LABEL} does not start with engine-test-realizer-`);
    docker = await engine();
});

afterEach(() => {
    for (const log of [...eventLogs]) log.close();
});

afterAll(async () => {
    for (const log of [...eventLogs]) log.close();
    if (docker === undefined) return;
    const problems: string[] = [];
    for (const label of labels) {
        await cleanUp(docker, label, label === labels[0] ? realizations : []).catch((e: Error) => problems.push(e.message));
    }
    // whatever a failed test left with a name of this run, labelled or not
    const byName = { name: [NAME_PREFIX] };
    for (const c of await docker.listContainers({ all: true, filters: byName })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true }).catch((e: Error) => problems.push(e.message));
    }
    for (const n of await docker.listNetworks({ filters: byName })) {
        if (n.Name.startsWith(NAME_PREFIX)) await docker.getNetwork(n.Id).remove().catch((e: Error) => problems.push(e.message));
    }
    for (const v of (await docker.listVolumes({ filters: byName })).Volumes ?? []) {
        if (v.Name.startsWith(NAME_PREFIX)) await docker.getVolume(v.Name).remove().catch((e: Error) => problems.push(e.message));
    }
    if (problems.length > 0) throw new Error(`cleanup left objects behind: ${problems.join("; ")}`);
});

describe("realize", () => {
    it("creates network and volume before the container, then joins the network and waits", async () => {
        const n = names();
        const events = await EventLog.start(n);
        const realization = await go(n, valkeyPlan(n));
        // realize returned: the container must be healthy now, not merely started (interval 1 s)
        const info = await inspect(docker, n.container);
        expect(info.State.Health?.Status).toBe("healthy");
        const lines = await events.stop(`container start ${n.container}`);
        expectInOrder(lines, [
            `network create ${n.network}`,
            `volume create ${n.volume}`,
            `container create ${n.container}`,
            `network disconnect bridge ${n.container}`,
            `network connect ${n.network} ${n.container}`,
            `container start ${n.container}`,
        ]);
        expect(lines.filter((l) => l.startsWith("container create"))).toEqual([`container create ${n.container}`]);
        expect(lines.filter((l) => l.startsWith("network create"))).toEqual([`network create ${n.network}`]);

        const image = await docker.getImage(LOCAL).inspect();
        expect(info.Image).toBe(image.Id);
        expect(info.Name).toBe(`/${n.container}`);
        // the declared environment, on top of the image's
        expect(info.Config.Env.filter((e) => !(image.Config.Env ?? []).includes(e))).toEqual(["REDISCLI_AUTH=abc"]);
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([n.network]);
        expect(info.NetworkSettings.Networks[n.network]?.Aliases).toEqual(expect.arrayContaining(["valkey"]));
        expect(info.NetworkSettings.Networks[n.network]?.NetworkID).toBe(realization.networkId("rt-network"));
        expect(realization.resources).toEqual({
            [NETWORK_URN]: realization.networkId(n.network),
            [VOLUME_URN]: n.volume,
            [CONTAINER_URN]: info.Id,
        });
        expect(realization.containerId("rt-valkey")).toBe(info.Id);
        expect(realization.containerId(n.container)).toBe(info.Id);
        expect(realization.volumeName("rt-valkey-data")).toBe(n.volume);
        expect(realization.adoptedVolumes).toEqual([]);

        // as declared
        expect(info.Config.User).toBe("999");
        expect(info.Config.Cmd).toEqual(["sh", "-c", VALKEY_COMMAND]);
        expect(info.Config.Healthcheck).toEqual({ Test: HEALTHCHECK.tests, Interval: 1e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 5 });
        const hc = info.HostConfig;
        expect(hc.Memory).toBe(512 * 1024 * 1024);
        expect(hc.ReadonlyRootfs).toBe(true);
        expect(hc.CapDrop).toEqual(["ALL"]);
        expect([...(hc.CapAdd ?? [])].map((c) => c.replace(/^CAP_/, "")).sort()).toEqual(["DAC_OVERRIDE", "SETGID", "SETUID"]);
        expect(hc.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(hc.Ulimits).toEqual([{ Name: "nofile", Soft: 10032, Hard: 10032 }]);
        expect(hc.LogConfig).toEqual({ Type: "json-file", Config: { "max-file": "1", "max-size": "1m" } });
        expect(hc.RestartPolicy).toEqual({ Name: "unless-stopped", MaximumRetryCount: 0 });
        expect(info.Mounts.map((m) => [m.Type, m.Name, m.Destination, m.RW])).toEqual([["volume", n.volume, "/data", true]]);
        const bound = info.NetworkSettings.Ports["6379/tcp"]?.[0];
        expect(bound?.HostIp).toBe("127.0.0.1");
        expect(Number(bound?.HostPort)).toBeGreaterThan(0);
        expect(await valkeyCli(docker, n.container, ["PING"])).toBe("PONG");
    });

    it("labels everything it creates with the run label", async () => {
        const n = names();
        await go(n, valkeyPlan(n));
        const label = { [RUN_LABEL_KEY]: n.label };
        expect((await docker.getNetwork(n.network).inspect()).Labels).toEqual(label);
        expect((await docker.getVolume(n.volume).inspect()).Labels).toEqual(label);
        const image = await docker.getImage(LOCAL).inspect();
        expect((await inspect(docker, n.container)).Config.Labels).toEqual({ ...(image.Config.Labels ?? {}), ...label });
        expect(await leftovers(n.label)).toEqual({ containers: 1, networks: 1, volumes: 1 });
    });

    it("destroy removes containers (stopped, then removed with anonymous volumes), networks and volumes, retained ones too", async () => {
        const n = names();
        // the named volume elsewhere: the image's VOLUME /data becomes an anonymous volume
        const realization = await go(n, valkeyPlan(n, { volumes: [{ volumeName: n.volume, containerPath: "/retained" }] }));
        const info = await inspect(docker, n.container);
        expect(info.State.Running).toBe(true);
        const anonymous = info.Mounts.find((m) => m.Destination === "/data")?.Name as string;
        expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
        expect(await volumeExists(anonymous)).toBe(true);

        const events = await EventLog.start(n);
        await realization.destroy();
        const lines = await events.stop(`volume destroy ${n.volume}`);
        // stopped first, as the provider's Delete does (no destroyGraceSeconds: timeout 0, so SIGTERM
        // and SIGKILL at once), then removed; Valkey's exit code races between the two signals
        const died = lines.find((l) => l.startsWith(`container die ${n.container} `)) as string;
        expect(died).toMatch(/ (0|137)$/);
        expectInOrder(lines, [
            `container kill ${n.container} 15`,
            `container kill ${n.container} 9`,
            died,
            `container stop ${n.container}`,
            `container destroy ${n.container}`,
            `network destroy ${n.network}`,
            `volume destroy ${n.volume}`,
        ]);
        expect(await containerExists(info.Id)).toBe(false);
        expect(await volumeExists(anonymous)).toBe(false);
        expect(await networkExists(n.network)).toBe(false);
        expect(await volumeExists(n.volume)).toBe(false);
        expect(await leftovers(n.label)).toEqual(NOTHING);
        expect(realization.resources).toEqual({});
        await realization.destroy(); // a second destroy has nothing left to do
    });

    it("destroy stops a container as the provider's Delete does: its stop signal, then at once SIGKILL, then the removal", async () => {
        const n = names();
        // tini (init) as PID 1 forwards SIGTERM to sleep, which has no handler and dies of it
        const sleeper = { command: ["sleep", "1000"], init: true, healthcheck: undefined, wait: false, ports: undefined };
        const realization = await go(n, valkeyPlan(n, sleeper));
        expect((await inspect(docker, n.container)).State.Running).toBe(true);
        const events = await EventLog.start(n);
        await realization.destroy();
        const lines = (await events.stop(`container destroy ${n.container}`)).filter((l) => l.startsWith("container "));
        // A stop with timeout 0: SIGTERM, then SIGKILL without waiting, then "stop". Measured here:
        // tini exits 128+15 = 143 before the SIGKILL lands (15 of 15 runs); a force remove alone
        // sends only SIGKILL (exit 137) and no "stop".
        const died = lines.find((l) => l.startsWith(`container die ${n.container} `)) as string;
        expect(died).toMatch(/ (143|137)$/);
        expect(lines).toEqual([
            `container kill ${n.container} 15`,
            `container kill ${n.container} 9`,
            died,
            `container stop ${n.container}`,
            `container destroy ${n.container}`,
        ]);
    });

    it("destroy waits destroyGraceSeconds for the stop signal to end the container: no SIGKILL", async () => {
        const n = names();
        const sleeper = { command: ["sleep", "1000"], init: true, healthcheck: undefined, wait: false, ports: undefined, destroyGraceSeconds: 10 };
        const realization = await go(n, valkeyPlan(n, sleeper));
        const events = await EventLog.start(n);
        const started = Date.now();
        await realization.destroy();
        expect(Date.now() - started).toBeLessThan(8000); // ended by the signal, not by the grace period
        const lines = (await events.stop(`container destroy ${n.container}`)).filter((l) => l.startsWith("container "));
        expect(lines).toEqual([
            `container kill ${n.container} 15`,
            `container die ${n.container} 143`,
            `container stop ${n.container}`,
            `container destroy ${n.container}`,
        ]);
    });

    it("destroy({ keepVolumes: true }) keeps the data volume; a later destroy removes it", async () => {
        const n = names();
        const realization = await go(n, valkeyPlan(n));
        await realization.destroy({ keepVolumes: true });
        expect(await leftovers(n.label)).toEqual({ containers: 0, networks: 0, volumes: 1 });
        expect(await volumeExists(n.volume)).toBe(true);
        await realization.destroy();
        expect(await volumeExists(n.volume)).toBe(false);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("adopts an existing volume: this run's is removed on destroy, another's is kept", async () => {
        for (const own of [true, false]) {
            const n = names();
            const volumeLabels = { [RUN_LABEL_KEY]: own ? n.label : n.foreign };
            await docker.createVolume({ Name: n.volume, Labels: volumeLabels });
            const realization = await go(n, valkeyPlan(n));
            expect(realization.adoptedVolumes).toEqual([n.volume]);
            expect(realization.resources[VOLUME_URN]).toBe(n.volume);
            // the engine hands back the existing volume, labels untouched
            expect((await docker.getVolume(n.volume).inspect()).Labels).toEqual(volumeLabels);
            expect((await inspect(docker, n.container)).Mounts.map((m) => m.Name)).toEqual([n.volume]);
            await realization.destroy();
            expect([own, await volumeExists(n.volume)]).toEqual([own, !own]);
        }
    });

    it("passes an undeclared network name through, and creates an undeclared named volume on first use, labelled", async () => {
        const n = names();
        const external = `${n.prefix}-external`;
        const scratch = `${n.prefix}-scratch`;
        await createForeignNetwork(external, n.foreign);
        const realization = await go(
            n,
            valkeyPlan(n, {
                networksAdvanced: [{ name: external }],
                volumes: [{ volumeName: scratch, containerPath: "/scratch" }],
            }),
        );
        const info = await inspect(docker, n.container);
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([external]);
        expect((await docker.getVolume(scratch).inspect()).Labels).toEqual({ [RUN_LABEL_KEY]: n.label });
        expect(info.Mounts.find((m) => m.Destination === "/scratch")?.Name).toBe(scratch);
        await realization.destroy();
        expect(await volumeExists(scratch)).toBe(false);
        expect(await networkExists(external)).toBe(true);
    });

    it("does not leave the bridge when networksAdvanced is absent, and tolerates not being on it", async () => {
        const n = names();
        const events = await EventLog.start(n);
        await go(n, valkeyPlan(n, { networksAdvanced: undefined }));
        const lines = await events.stop(`container start ${n.container}`);
        expect(lines.filter((l) => l.startsWith("network disconnect"))).toEqual([]);
        expect(Object.keys((await inspect(docker, n.container)).NetworkSettings.Networks)).toEqual(["bridge"]);

        // started on another network (networkMode), so not on the bridge: leaving it is skipped, not an error
        const other = names();
        const external = `${other.prefix}-external`;
        await createForeignNetwork(external, other.foreign);
        await go(other, valkeyPlan(other, { networkMode: external }));
        const info = await inspect(docker, other.container);
        expect(info.HostConfig.NetworkMode).toBe(external);
        expect(Object.keys(info.NetworkSettings.Networks).sort()).toEqual([other.network, external].sort());
        expect(info.NetworkSettings.Networks[other.network]?.Aliases).toEqual(expect.arrayContaining(["valkey"]));
    });

    it("uploads files as a tar before start", async () => {
        const n = names();
        const events = await EventLog.start(n);
        await go(
            n,
            valkeyPlan(n, {
                // the engine refuses uploads into a read-only root filesystem (see below)
                readOnly: false,
                uploads: [{ file: "/etc/rt-valkey.conf", content: "maxclients 123\n" }],
                command: ["sh", "-c", `exec docker-entrypoint.sh valkey-server /etc/rt-valkey.conf --requirepass "$REDISCLI_AUTH"`],
            }),
        );
        const lines = await events.stop(`container start ${n.container}`);
        expectInOrder(lines, [`container create ${n.container}`, `container extract-to-dir ${n.container}`, `container start ${n.container}`]);
        // the server read the file when it started
        expect(await valkeyCli(docker, n.container, ["CONFIG", "GET", "maxclients"])).toBe("maxclients\n123");
        const file = await exec(docker, n.container, ["sh", "-c", "stat -c '%a %u' /etc/rt-valkey.conf && cat /etc/rt-valkey.conf"]);
        expect(file.stdout).toBe("644 0\nmaxclients 123\n");
    });

    it("an upload into a read-only root filesystem fails loudly and leaves nothing", async () => {
        const n = names();
        await failsWith(n, valkeyPlan(n, { uploads: [{ file: "/etc/rt-valkey.conf", content: "x\n" }] }), /rt-valkey \(docker:index\/container:Container\): uploading files failed: .*read-only/);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("start: false with mustRun: false creates only", async () => {
        const n = names();
        const events = await EventLog.start(n);
        const realization = await go(n, valkeyPlan(n, { start: false, mustRun: false, wait: false }));
        const lines = await events.stop();
        expect(lines).toContain(`container create ${n.container}`);
        expect(lines.filter((l) => l.startsWith("container start"))).toEqual([]);
        const state = (await inspect(docker, n.container)).State;
        expect([state.Status, state.Running]).toEqual(["created", false]);
        expect(realization.resources[CONTAINER_URN]).toBe(realization.containerId("rt-valkey"));
    });

    it("attach waits for the container to exit", async () => {
        const n = names();
        const started = Date.now();
        await go(n, valkeyPlan(n, { command: ["sh", "-c", "sleep 1.5; exit 0"], restart: "no", attach: true, wait: false, mustRun: false }));
        expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
        const state = (await inspect(docker, n.container)).State;
        expect([state.Status, state.ExitCode]).toEqual(["exited", 0]);
    });
});

describe("realize: failures are loud and leave nothing behind", () => {
    it("an unhealthy container fails at once, with the last check and log lines", async () => {
        const n = names();
        const started = Date.now();
        const error = await failsWith(
            n,
            valkeyPlan(n, {
                command: ["sh", "-c", `echo rt-log-line-before-start; ${VALKEY_COMMAND}`],
                healthcheck: { tests: ["CMD-SHELL", "echo check said unhealthy; exit 1"], interval: "1s", timeout: "1s", retries: 1 },
                waitTimeout: 20,
            }),
            /rt-valkey \(docker:index\/container:Container\): container turned unhealthy \(last check: check said unhealthy\)\n--- last log lines ---\n[\s\S]*rt-log-line-before-start/,
        );
        expect(error).toBeInstanceOf(RealizeError);
        // at once: long before waitTimeout
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("a container that exits while waiting fails at once", async () => {
        const n = names();
        const started = Date.now();
        await failsWith(
            n,
            valkeyPlan(n, { command: ["sh", "-c", "echo leaving; exit 3"], restart: "no", waitTimeout: 20 }),
            /container exited while waiting for health \(status exited, exit code 3, restarts 0\)\n--- last log lines ---\nleaving/,
        );
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("a container that exits while waiting fails even when its restart policy brings it back", async () => {
        const n = names();
        await failsWith(n, valkeyPlan(n, { command: ["sh", "-c", "exit 3"], restart: "always", waitTimeout: 20 }), /container exited while waiting for health \(status \w+, exit code \d+, restarts \d+\)/);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("a container that stays starting fails after waitTimeout", async () => {
        const n = names();
        const started = Date.now();
        await failsWith(
            n,
            valkeyPlan(n, { healthcheck: { tests: ["CMD-SHELL", "sleep 30"], interval: "1s", timeout: "60s", retries: 1 }, waitTimeout: 2 }),
            /not healthy within 2s \(health: starting\)/,
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("wait without any healthcheck fails", async () => {
        const n = names();
        expect((await docker.getImage(LOCAL).inspect()).Config.Healthcheck).toBeUndefined();
        await failsWith(n, valkeyPlan(n, { healthcheck: undefined }), /wait is set but the container has no healthcheck/);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("a container that is not running after start fails when mustRun", async () => {
        const n = names();
        // attach makes the exit happen before the check, deterministically
        await failsWith(
            n,
            valkeyPlan(n, { command: ["sh", "-c", "echo bye; exit 3"], restart: "no", attach: true, wait: false }),
            /container is not running \(status exited, exit code 3\)\n--- last log lines ---\nbye/,
        );
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("keepOnFailure leaves the partial result for inspection, reachable from the error", async () => {
        const n = names();
        const error = (await failsWith(n, valkeyPlan(n, { entrypoints: ["/rt-no-such-binary"] }), /container start failed: .*rt-no-such-binary.*no such file or directory/, {
            keepOnFailure: true,
        })) as RealizeError;
        expect(error).toBeInstanceOf(RealizeError);
        expect(await leftovers(n.label)).toEqual({ containers: 1, networks: 1, volumes: 1 });
        expect((await inspect(docker, n.container)).State.Status).toBe("created");
        await error.realization.destroy();
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("a missing local image fails before anything of the container is created", async () => {
        const n = names();
        const events = await EventLog.start(n);
        const missing = "openwebui-valkey-test/no-such-image:rt";
        await failsWith(n, valkeyPlan(n), /local image "openwebui-valkey-test\/no-such-image:rt" \(mapped from "docker.io\/valkey\/valkey:8.0.1-alpine"\) is not on the engine/, {
            imageMap: { [UPSTREAM]: missing },
        });
        const lines = await events.stop(`volume destroy ${n.volume}`);
        expect(lines.filter((l) => l.startsWith("container "))).toEqual([]);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("a plan flaw creates nothing at all", async () => {
        const n = names();
        const events = await EventLog.start(n);
        await expect(go(n, valkeyPlan(n, { pidsLimit: 64 }))).rejects.toThrow(/field "pidsLimit" is not mapped/);
        await expect(go(n, valkeyPlan(n), { imageMap: {} })).rejects.toThrow(/no image mapping for/);
        const withProvider = valkeyPlan(n);
        withProvider.resources.push({ urn: "urn:x::p", type: "pulumi:providers:docker", name: "p", parent: null, inputs: {}, options: {} });
        await expect(go(n, withProvider)).rejects.toThrow('p (pulumi:providers:docker): resource type "pulumi:providers:docker" is not known to the realizer');
        expect(await events.stop()).toEqual([]);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("fields the engine is too old for are refused; a new enough engine applies them", async () => {
        const n = names();
        const api = (await docker.version()).ApiVersion;
        const [major, minor] = api.split(".").map(Number) as [number, number];
        const healthcheck = { ...HEALTHCHECK, startInterval: "1s" };
        if (major === 1 && minor < 44) {
            const events = await EventLog.start(n);
            await failsWith(n, valkeyPlan(n, { healthcheck }), new RegExp(`need engine API 1.44; this engine speaks ${api.replace(".", "\\.")}`));
            const lines = await events.stop(`volume destroy ${n.volume}`);
            expect(lines.filter((l) => l.startsWith("container "))).toEqual([]);
            expect(await leftovers(n.label)).toEqual(NOTHING);
        } else {
            await go(n, valkeyPlan(n, { healthcheck }));
            expect((await inspect(docker, n.container)).Config.Healthcheck).toMatchObject({ StartInterval: 1e9 });
        }
    });

    it("a network name already taken fails instead of creating a second network of that name", async () => {
        const n = names();
        await createForeignNetwork(n.network, n.foreign);
        await failsWith(n, valkeyPlan(n), new RegExp(`rt-network \\(docker:index/network:Network\\): network create failed: .*${n.network}.*already exists`));
        expect((await docker.listNetworks({ filters: { name: [n.network] } })).filter((x) => x.Name === n.network)).toHaveLength(1);
        expect(await leftovers(n.label)).toEqual(NOTHING);
        expect(await leftovers(n.foreign)).toEqual({ containers: 0, networks: 1, volumes: 0 });
    });

    it("needs a run label", async () => {
        const n = names();
        await expect(realize(valkeyPlan(n), { docker, imageMap: IMAGE_MAP, runLabel: " " })).rejects.toThrow(PlanError);
        expect(await containerExists(n.container)).toBe(false);
        expect(await networkExists(n.network)).toBe(false);
    });
});

describe("replaceContainer", () => {
    it("recreates the container from a changed resource; the named volume and its data stay", async () => {
        const n = names();
        const realization = await go(n, valkeyPlan(n));
        const before = realization.containerId("rt-valkey");
        expect(await valkeyCli(docker, n.container, ["SET", "survivor", "yes"])).toBe("OK");
        expect(await valkeyCli(docker, n.container, ["SAVE"])).toBe("OK");

        const events = await EventLog.start(n);
        const changed = containerResource(valkeyInputs(n, { destroyGraceSeconds: 5, envs: ["REDISCLI_AUTH=changed"] }));
        const after = await replaceContainer(realization, changed);
        const lines = await events.stop(`container start ${n.container}`);
        expect(after).not.toBe(before);
        expect(realization.containerId("rt-valkey")).toBe(after);
        expect(realization.resources[CONTAINER_URN]).toBe(after);
        expect(await containerExists(before)).toBe(false);
        expectInOrder(lines, [`container destroy ${n.container}`, `container create ${n.container}`, `container start ${n.container}`]);
        expect(lines.filter((l) => l.startsWith("volume destroy") || l.startsWith("network destroy"))).toEqual([]);
        const info = await inspect(docker, after);
        expect(info.State.Health?.Status).toBe("healthy");
        expect(info.Config.Env).toContain("REDISCLI_AUTH=changed");
        expect(info.Config.Env).not.toContain("REDISCLI_AUTH=abc");
        expect(await valkeyCli(docker, n.container, ["GET", "survivor"])).toBe("yes");

        // destroyGraceSeconds: stopped with SIGTERM first, so the server shuts down cleanly
        const destroyEvents = await EventLog.start(n);
        await realization.destroy({ keepVolumes: true });
        const destroyLines = await destroyEvents.stop(`container destroy ${n.container}`);
        expectInOrder(destroyLines, [`container kill ${n.container} 15`, `container die ${n.container} 0`, `container stop ${n.container}`, `container destroy ${n.container}`]);
        expect(destroyLines).not.toContain(`container kill ${n.container} 9`);
        expect(await volumeExists(n.volume)).toBe(true);
        await realization.destroy();
        expect(await volumeExists(n.volume)).toBe(false);
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });

    it("checks the new resource before removing the old container", async () => {
        const n = names();
        const realization = await go(n, valkeyPlan(n));
        const id = realization.containerId("rt-valkey");
        await expect(replaceContainer(realization, containerResource(valkeyInputs(n, { bogus: 1 })))).rejects.toThrow(/"bogus"/);
        let state = (await inspect(docker, n.container)).State;
        expect([(await inspect(docker, n.container)).Id, state.Running]).toEqual([id, true]);
        await expect(replaceContainer(realization, { ...containerResource(valkeyInputs(n)), urn: "urn:other", name: "other" })).rejects.toThrow(/not a live container/);
        state = (await inspect(docker, n.container)).State;
        expect([(await inspect(docker, n.container)).Id, state.Running]).toEqual([id, true]);
        await realization.destroy();
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });
});

describe("removeByLabel", () => {
    it("removes what carries the run label and nothing else", async () => {
        const n = names();
        await go(n, valkeyPlan(n));
        const foreign = `${n.prefix}-foreign`;
        await docker.createVolume({ Name: foreign, Labels: { [RUN_LABEL_KEY]: n.foreign } });
        expect(await removeByLabel(docker, n.label)).toEqual({ containers: 1, networks: 1, volumes: 1 });
        expect(await leftovers(n.label)).toEqual(NOTHING);
        expect(await containerExists(n.container)).toBe(false);
        expect(await networkExists(n.network)).toBe(false);
        expect(await volumeExists(n.volume)).toBe(false);
        expect(await volumeExists(foreign)).toBe(true);
        expect(await removeByLabel(docker, n.label)).toEqual(NOTHING);
    });
});
