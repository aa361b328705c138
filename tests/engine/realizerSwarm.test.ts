// The realizer's Swarm resources on a real three-node swarm (tools/engine/swarm-up.sh): a
// docker.Service with its overlay network, an auto-named docker.Secret and a docker.ServiceConfig,
// created as the provider's Create would (convergence wait or not), read back as its Read would,
// deleted as its Delete would, and nothing left on any node afterwards. Small hand-written plans
// run the Valkey test image; every object carries a run label starting with
// engine-test-realizer-swarm-, and afterAll removes all of them on every node, also after a failure.
import * as fs from "fs";
import Dockerode from "dockerode";
import type { Plan, PlanResource } from "../../tools/plan/evaluate";
import { parsePlan } from "../../tools/realize/plan";
import { describeChanges } from "../../tools/realize/proposedChanges";
import { RUN_LABEL_KEY, Realization, RealizeError, realize, removeByLabel } from "../../tools/realize/realizer";
import { standInAutoName, standInId } from "../../tools/realize/swarmNames";
import { proposedSwarmChanges, readBackConfig, readBackSecret, readBackService } from "../../tools/realize/swarmReadBack";
import { IMAGE_MAP, exec, runLabel, waitFor } from "./harness";

jest.setTimeout(90_000);

const SWARM_ENV = process.env.SWARM_ENV_FILE ?? "/tmp/openwebui-valkey-swarm/env";
const LOCAL_IMAGE = IMAGE_MAP["docker.io/valkey/valkey:8.0.1-alpine"];
/** The form the Go client gives the upstream image and Read gives back: what a program must declare. */
const DECLARED_IMAGE = "valkey/valkey:8.0.1-alpine";
const PROJECT = "openwebui-valkey";
const STACK = "rs";
const T = {
    stack: "pulumi:pulumi:Stack",
    cache: "openwebui-valkey:index:SwarmValkeyCache",
    network: "docker:index/network:Network",
    secret: "docker:index/secret:Secret",
    config: "docker:index/serviceConfig:ServiceConfig",
    service: "docker:index/service:Service",
} as const;
const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::${T.stack}::${PROJECT}-${STACK}`;

const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}`;
const BASE_LABEL = runLabel("realizer-swarm");
const labels: string[] = [];
const realizations: Realization[] = [];
let sequence = 0;

let manager: Dockerode;
/** The swarm's other nodes (the manager not among them). */
let nodes: Dockerode[];
const engines = (): Dockerode[] => [manager, ...nodes];

/** SWARM_MANAGER_HOST and SWARM_NODE_HOSTS from swarm-up.sh's env file (or the environment). */
function swarmHosts(): { manager: string; nodes: string[] } {
    const vars: Record<string, string> = {};
    if (fs.existsSync(SWARM_ENV)) {
        for (const line of fs.readFileSync(SWARM_ENV, "utf8").split("\n")) {
            const m = /^(?:export\s+)?(\w+)=(.*)$/.exec(line.trim());
            if (m) vars[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, "$1");
        }
    }
    const managerHost = process.env.SWARM_MANAGER_HOST ?? vars["SWARM_MANAGER_HOST"];
    const nodeHosts = (process.env.SWARM_NODE_HOSTS ?? vars["SWARM_NODE_HOSTS"] ?? "").split(/\s+/).filter(Boolean);
    if (managerHost === undefined) {
        throw new Error(`no swarm: ${SWARM_ENV} is missing (bring one up with \`bash tools/engine/swarm-up.sh\` as root)`);
    }
    return { manager: managerHost, nodes: nodeHosts.filter((h) => h !== managerHost) };
}

function client(host: string): Dockerode {
    if (!host.startsWith("unix://")) throw new Error(`swarm host ${host}: only unix sockets are expected`);
    return new Dockerode({ socketPath: host.slice("unix://".length) });
}

beforeAll(async () => {
    const hosts = swarmHosts();
    manager = client(hosts.manager);
    nodes = hosts.nodes.map(client);
    const info = await manager.info();
    if (info.Swarm?.ControlAvailable !== true) throw new Error(`${hosts.manager} is not a swarm manager`);
    for (const engine of engines()) {
        await engine.getImage(LOCAL_IMAGE).inspect().catch(() => {
            throw new Error(`a swarm node lacks ${LOCAL_IMAGE}: run tools/engine/swarm-up.sh again (it copies the test images)`);
        });
    }
});

afterAll(async () => {
    if (manager === undefined) return;
    for (const r of realizations) await r.destroy().catch(() => undefined);
    for (const label of labels) await removeByLabel(manager, label, nodes);
});

interface Names {
    prefix: string;
    label: string;
    urn(type: string, name: string): string;
}

function names(): Names {
    const n = ++sequence;
    const prefix = `rs${RUN_ID}${n}`;
    const label = `${BASE_LABEL}-${n}`;
    labels.push(label);
    return { prefix, label, urn: (type, name) => `urn:pulumi:${STACK}::${PROJECT}::${T.cache}$${type}::${name}` };
}

const VALKEY_HEALTHCHECK = { tests: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], interval: "1s", timeout: "3s", startPeriod: "5s", retries: 3 };
const SECRET_TEXT = "s3cret-for-the-task";
const CONFIG_TEXT = "maxmemory-policy noeviction\n";

/**
 * The stack, a SwarmValkeyCache component, an overlay network, an auto-named secret, a config, and
 * a one-replica Valkey service pinned to the labelled node, declared in the daemon's forms.
 * `service` overrides the service's inputs; `container` its container spec.
 */
function swarmPlan(n: Names, service: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Plan {
    const urn = n.urn;
    const cacheUrn = `urn:pulumi:${STACK}::${PROJECT}::${T.cache}::${n.prefix}`;
    const net = `${n.prefix}-network`;
    const secret = `${n.prefix}-password`;
    const config = `${n.prefix}-conf`;
    const svc = `${n.prefix}-service`;
    return {
        project: PROJECT,
        stack: STACK,
        resources: [
            { urn: STACK_URN, type: T.stack, name: `${PROJECT}-${STACK}`, parent: null, inputs: {}, options: {} },
            { urn: cacheUrn, type: T.cache, name: n.prefix, parent: STACK_URN, inputs: {}, options: {} },
            { urn: urn(T.network, net), type: T.network, name: net, parent: cacheUrn, inputs: { name: net, driver: "overlay", attachable: true }, options: {} },
            // no name: the bridge auto-names it
            { urn: urn(T.secret, secret), type: T.secret, name: secret, parent: cacheUrn, inputs: { data: Buffer.from(SECRET_TEXT).toString("base64") }, options: {} },
            {
                urn: urn(T.config, config), type: T.config, name: config, parent: cacheUrn,
                inputs: { name: `${n.prefix}-conf`, data: Buffer.from(CONFIG_TEXT).toString("base64"), labels: [{ label: "purpose", value: "test" }] },
                options: {},
            },
            {
                urn: urn(T.service, svc),
                type: T.service,
                name: svc,
                parent: cacheUrn,
                options: { dependsOn: [urn(T.config, config), urn(T.network, net), urn(T.secret, secret)] },
                inputs: {
                    name: svc,
                    labels: [{ label: "app", value: "valkey" }],
                    mode: { replicated: { replicas: 1 } },
                    taskSpec: {
                        containerSpec: {
                            image: DECLARED_IMAGE,
                            args: ["valkey-server", "--save", "", "--appendonly", "no"],
                            env: { VALKEY_TEST: "1", WITH_EQUALS: "a=b" },
                            capDrops: ["ALL"],
                            capAdds: ["SETGID", "SETUID", "DAC_OVERRIDE"],
                            readOnly: true,
                            healthcheck: VALKEY_HEALTHCHECK,
                            stopGracePeriod: "10s",
                            stopSignal: "SIGTERM",
                            mounts: [{ type: "volume", source: `${n.prefix}-data`, target: "/data" }],
                            secrets: [
                                {
                                    secretId: standInId(STACK, T.secret, secret),
                                    secretName: standInAutoName(STACK, T.secret, secret),
                                    fileName: "valkey-password", fileUid: "999", fileGid: "1000", fileMode: 0o400,
                                },
                            ],
                            configs: [{ configId: standInId(STACK, T.config, config), configName: `${n.prefix}-conf`, fileName: "/etc/valkey-extra.conf", fileUid: "0", fileGid: "0", fileMode: 0o444 }],
                            ...container,
                        },
                        networksAdvanceds: [{ name: standInId(STACK, T.network, net), aliases: ["valkey"] }],
                        placement: { constraints: ["node.labels.openwebui-valkey.valkey==true"], maxReplicas: 1 },
                        restartPolicy: { condition: "any", delay: "1s", maxAttempts: 0, window: "0s" },
                        resources: { limits: { memoryBytes: 256 * 1024 * 1024 } },
                        logDriver: { name: "json-file", options: { "max-file": "1", "max-size": "1m" } },
                    },
                    endpointSpec: { mode: "dnsrr" },
                    updateConfig: { parallelism: 1, delay: "0s", failureAction: "rollback", monitor: "30s", maxFailureRatio: "0.0", order: "stop-first" },
                    rollbackConfig: { parallelism: 1, delay: "0s", failureAction: "pause", monitor: "30s", maxFailureRatio: "0.0", order: "stop-first" },
                    convergeConfig: { delay: "1s", timeout: "60s" },
                    ...service,
                },
            },
        ],
        outputs: {},
    };
}

async function go(n: Names, plan: Plan, log?: (line: string) => void): Promise<Realization> {
    try {
        const realization = await realize(plan, { docker: manager, nodes, imageMap: IMAGE_MAP, runLabel: n.label, ...(log ? { log } : {}) });
        realizations.push(realization);
        return realization;
    } catch (e) {
        if (e instanceof RealizeError) realizations.push(e.realization);
        throw e;
    }
}

interface TaskInfo {
    ID: string;
    NodeID?: string;
    DesiredState?: string;
    Status?: { State?: string; ContainerStatus?: { ContainerID?: string } };
}

async function tasksOf(serviceId: string): Promise<TaskInfo[]> {
    return (await manager.listTasks({ filters: { service: [serviceId] } })) as TaskInfo[];
}

/** The engine (manager or node) that runs a container, and the container's id, for a service's task containers. */
async function taskContainers(serviceId: string): Promise<Array<{ engine: Dockerode; id: string }>> {
    const out: Array<{ engine: Dockerode; id: string }> = [];
    for (const engine of engines()) {
        for (const c of await engine.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.id=${serviceId}`] } })) out.push({ engine, id: c.Id });
    }
    return out;
}

/** Everything that carries a run label, on every node. */
async function leftovers(label: string): Promise<Record<string, number>> {
    const filters = { label: [`${RUN_LABEL_KEY}=${label}`] };
    const counts = { services: 0, secrets: 0, configs: 0, networks: 0, containers: 0, volumes: 0 };
    counts.services = (await manager.listServices({ filters })).length;
    counts.secrets = (await manager.listSecrets({ filters })).length;
    counts.configs = (await manager.listConfigs({ filters })).length;
    counts.networks = (await manager.listNetworks({ filters })).length;
    for (const engine of engines()) {
        counts.containers += (await engine.listContainers({ all: true, filters })).length;
        counts.volumes += ((await engine.listVolumes({ filters })).Volumes ?? []).length;
    }
    return counts;
}
const NOTHING = { services: 0, secrets: 0, configs: 0, networks: 0, containers: 0, volumes: 0 };

function resourceOf(plan: Plan, type: string): PlanResource {
    const found = parsePlan(plan).resources.find((r) => r.type === type);
    if (found === undefined) throw new Error(`no ${type} in the plan`);
    return found;
}

describe("a service with convergeConfig", () => {
    it("is created once its task runs and is healthy; the task reads its secret and config with the declared owner and mode; a second `up` proposes nothing; destroy leaves nothing on any node", async () => {
        const n = names();
        const plan = swarmPlan(n);
        const started = Date.now();
        const realization = await go(n, plan);
        const createSeconds = (Date.now() - started) / 1000;
        const serviceId = realization.serviceId(`${n.prefix}-service`);

        // converged before Create returned: the one task runs, its container is healthy
        const running = (await tasksOf(serviceId)).filter((t) => t.DesiredState === "running");
        expect(running.map((t) => t.Status?.State)).toEqual(["running"]);
        const [container, ...others] = await taskContainers(serviceId);
        expect(others).toEqual([]);
        if (container === undefined) throw new Error("no task container");
        const state = (await container.engine.getContainer(container.id).inspect()).State;
        expect(state.Health?.Status).toBe("healthy");
        // the placement constraint put it on the labelled node, not the manager
        expect(container.engine).not.toBe(manager);

        // the secret and the config inside the task, as declared
        const secretFile = await exec(container.engine, container.id, ["sh", "-c", "stat -c '%u %g %a' /run/secrets/valkey-password && cat /run/secrets/valkey-password"]);
        expect(secretFile.code).toBe(0);
        expect(secretFile.stdout).toBe(`999 1000 400\n${SECRET_TEXT}`);
        const configFile = await exec(container.engine, container.id, ["sh", "-c", "stat -c '%u %g %a' /etc/valkey-extra.conf && cat /etc/valkey-extra.conf"]);
        expect(configFile.stdout).toBe(`0 0 444\n${CONFIG_TEXT}`);
        const env = await exec(container.engine, container.id, ["sh", "-c", "echo \"$VALKEY_TEST $WITH_EQUALS\""]);
        expect(env.stdout).toBe("1 a=b\n");
        // the auto-named secret: <resource name>-<7 hex>
        expect(realization.swarmName(`${n.prefix}-password`)).toMatch(new RegExp(`^${n.prefix}-password-[0-9a-f]{7}$`));
        // the run label on the task container and on the volume its mount created on that node
        expect((await container.engine.getContainer(container.id).inspect()).Config.Labels[RUN_LABEL_KEY]).toBe(n.label);
        expect(((await container.engine.listVolumes({ filters: { label: [`${RUN_LABEL_KEY}=${n.label}`] } })).Volumes ?? []).map((v) => v.Name)).toEqual([`${n.prefix}-data`]);

        // Read, then the diff of a second `up`: nothing, for the service, the secret and the config
        const service = realization.declaredOnEngine(resourceOf(plan, T.service));
        const serviceState = readBackService(service, await manager.getService(serviceId).inspect(), realization.serviceImage(`${n.prefix}-service`));
        const secret = resourceOf(plan, T.secret);
        const secretState = readBackSecret(secret, await manager.getSecret(realization.secretId(secret.name)).inspect());
        const config = resourceOf(plan, T.config);
        const configState = readBackConfig(config, await manager.getConfig(realization.configId(config.name)).inspect());
        const changes = [...proposedSwarmChanges(service, serviceState), ...proposedSwarmChanges(secret, secretState), ...proposedSwarmChanges(config, configState)];
        expect(describeChanges(changes) || "(nothing proposed)").toBe("(nothing proposed)");
        expect(await realization.proposedSwarmChanges()).toEqual([]);

        // the check sees forms the daemon gives back otherwise
        const inputs = service.inputs as { taskSpec: { containerSpec: Record<string, unknown>; restartPolicy: Record<string, unknown> }; updateConfig: Record<string, unknown> };
        const otherForms: PlanResource = {
            ...service,
            inputs: {
                ...inputs,
                taskSpec: {
                    ...inputs.taskSpec,
                    containerSpec: { ...inputs.taskSpec.containerSpec, image: "docker.io/valkey/valkey:8.0.1-alpine", stopGracePeriod: "10000ms" },
                    restartPolicy: { condition: "any", delay: "1s" },
                },
                updateConfig: { ...inputs.updateConfig, monitor: "0h0m30s", maxFailureRatio: "0" },
            },
        };
        expect(proposedSwarmChanges(otherForms, serviceState).map((c) => [c.property, c.before, c.effect])).toEqual([
            ["updateConfig.monitor", "30s", "update"],
            ["updateConfig.maxFailureRatio", "0.0", "update"],
            ["taskSpec.containerSpec.image", DECLARED_IMAGE, "update"],
            ["taskSpec.containerSpec.stopGracePeriod", "10s", "update"],
            ["taskSpec.restartPolicy.window", "0s", "update"],
        ]);

        const destroyStarted = Date.now();
        await realization.destroy();
        const destroySeconds = (Date.now() - destroyStarted) / 1000;
        expect(await leftovers(n.label)).toEqual(NOTHING);
        process.stdout.write(`swarm service: create with convergence ${createSeconds.toFixed(1)} s, destroy ${destroySeconds.toFixed(1)} s\n`);
    });
});

describe("an update of a service", () => {
    it("sends the whole spec again and waits for the rollout; the new task has the change; the changed plan reads back as declared; a ForceNew change is refused", async () => {
        const n = names();
        const plan = swarmPlan(n, { convergeConfig: { delay: "1s", timeout: "60s" } });
        const realization = await go(n, plan);
        const serviceId = realization.serviceId(`${n.prefix}-service`);
        const before = (await tasksOf(serviceId)).find((t) => t.DesiredState === "running");

        const changed = swarmPlan(n, {}, { env: { VALKEY_TEST: "2", WITH_EQUALS: "a=b" } });
        const service = resourceOf(changed, T.service);
        const started = Date.now();
        await realization.update(service);
        const seconds = (Date.now() - started) / 1000;
        // the provider's update wait looks first after 7 s, then every 5-10 s until the update completes
        expect(seconds).toBeGreaterThanOrEqual(7);
        const after = (await tasksOf(serviceId)).filter((t) => t.DesiredState === "running");
        expect(after.map((t) => t.Status?.State)).toEqual(["running"]);
        expect(after[0]?.ID).not.toBe(before?.ID);
        const inspected = await Promise.all((await taskContainers(serviceId)).map((c) => c.engine.getContainer(c.id).inspect()));
        expect(inspected.find((info) => info.State.Running)?.Config.Env).toContain("VALKEY_TEST=2");

        expect(describeChanges(await realization.proposedSwarmChanges(changed)) || "(nothing proposed)").toBe("(nothing proposed)");
        // against the old declaration, the engine now holds the change
        expect((await realization.proposedSwarmChanges(plan)).map((c) => c.property)).toEqual(["taskSpec.containerSpec.env"]);
        await expect(realization.update(resourceOf(swarmPlan(n, { name: `${n.prefix}-renamed` }), T.service))).rejects.toThrow(/"name" changes, which is ForceNew: that is a replacement, not an update/);
        process.stdout.write(`swarm service: update with convergence ${seconds.toFixed(1)} s\n`);
        await realization.destroy();
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });
});

describe("a service without convergeConfig", () => {
    it("is created as soon as the engine accepts it: its task is not running yet when Create returns", async () => {
        const n = names();
        // healthy only after the first check, 8 s in: the task stays "starting" until then
        const plan = swarmPlan(n, { convergeConfig: undefined }, { healthcheck: { ...VALKEY_HEALTHCHECK, interval: "8s", startPeriod: "0s" } });
        const realization = await go(n, plan);
        const serviceId = realization.serviceId(`${n.prefix}-service`);
        const states = (await tasksOf(serviceId)).map((t) => t.Status?.State);
        expect(states).not.toContain("running");
        // and it does get there on its own
        await waitFor("the task to run", 30_000, async () => ((await tasksOf(serviceId)).some((t) => t.Status?.State === "running") ? true : undefined), 500);
        await realization.destroy();
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });
});

describe("a service that never converges", () => {
    it("is deleted by the provider after the timeout, the create fails saying so, and nothing is left", async () => {
        const n = names();
        const plan = swarmPlan(n, { convergeConfig: { delay: "1s", timeout: "8s" } }, { healthcheck: { tests: ["CMD", "false"], interval: "1s", timeout: "1s", startPeriod: "0s", retries: 1 } });
        const lines: string[] = [];
        const started = Date.now();
        const error = await go(n, plan, (line) => lines.push(line)).then(
            () => undefined,
            (e: unknown) => e,
        );
        const seconds = (Date.now() - started) / 1000;
        expect(error).toBeInstanceOf(RealizeError);
        expect((error as Error).message).toMatch(/: Service with ID \([a-z0-9]+\) did not converge after 8s; the provider deleted the service/);
        // the timeout counts from the start: the last look is at 6 s (delay 1 s, then 5 s), the failure at 8 s
        expect(seconds).toBeGreaterThanOrEqual(8);
        expect(seconds).toBeLessThan(20);
        expect(lines.filter((l) => / creating /.test(l))).toHaveLength(2);
        expect((await manager.listServices({ filters: { name: [`${n.prefix}-service`] } })).length).toBe(0);
        // the failed realize destroyed what it had made (network, secret, config) and swept the tasks
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });
});

describe("removeByLabel on a swarm", () => {
    it("removes a realization's service, its task containers and volumes on every node, its secret, config and network", async () => {
        const n = names();
        await go(n, swarmPlan(n));
        const removed = await removeByLabel(manager, n.label, nodes);
        expect(removed).toEqual({ services: 1, secrets: 1, configs: 1, networks: 1, containers: 0, volumes: 1 });
        expect(await leftovers(n.label)).toEqual(NOTHING);
    });
});
