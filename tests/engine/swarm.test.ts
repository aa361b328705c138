// The test swarm itself (tools/engine/swarm-up.sh), on its real engines: three nodes Ready with
// one manager, the node labels the Swarm tests place by, a dnsrr service whose two replicas on two
// nodes talk across an attachable overlay, a secret under /run/secrets in a task on a worker,
// host-mode publishing reached from the host at the node's address, and the kernel probe's
// verdict on IPVS checked against what a VIP service really does. Everything carries this file's
// run label and afterAll removes it from every node, also after a failure.
import Dockerode from "dockerode";
import { RUN_LABEL_KEY } from "../../tools/realize/realizer";
import { NODE_LABEL, SwarmNet, VALKEY_NODE, VALKEY_NODE_LABEL, node, nodeIndexById, swarm } from "../../tools/engine/swarmNet";
import { IMAGE_MAP, RespConnection, exec, runLabel, waitFor } from "./harness";

jest.setTimeout(90_000);

const IMAGE = IMAGE_MAP["docker.io/valkey/valkey:8.0.1-alpine"];
const label = runLabel("swarm");
const labels = { [RUN_LABEL_KEY]: label };
const prefix = `sw${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}`;
const names = {
    network: `${prefix}-net`,
    secret: `${prefix}-secret`,
    dnsrr: `${prefix}-dnsrr`,
    withSecret: `${prefix}-secret-reader`,
    hostPort: `${prefix}-hostport`,
    vip: `${prefix}-vip`,
    client: `${prefix}-client`,
};
const SECRET_VALUE = `swarm secret ${prefix}`;
/** A port no other test publishes on node 3 (host mode binds it in node 3's namespace only). */
const HOST_PORT = 31000 + (process.pid % 1000);
/** Valkey without persistence: these tasks hold nothing. */
const VALKEY_ARGS = ["valkey-server", "--save", "", "--appendonly", "no"];

let net: SwarmNet;
let nodeOf: Map<string, number>;
const serviceIds: Record<string, string> = {};

interface RunningTask {
    id: string;
    node: number;
    containerId: string;
    address: string;
}

/** A replicated service of the Valkey test image on the test network, labelled, never pulled (no registry). */
function serviceSpec(name: string, extra: { constraints?: string[]; replicas?: number; maxPerNode?: number; mode?: "vip" | "dnsrr"; ports?: Dockerode.PortConfig[]; secrets?: unknown[] }): Dockerode.CreateServiceOptions {
    return {
        Name: name,
        Labels: labels,
        TaskTemplate: {
            ContainerSpec: { Image: IMAGE, Args: VALKEY_ARGS, Labels: labels, ...(extra.secrets ? { Secrets: extra.secrets } : {}) } as Dockerode.ContainerSpec,
            Placement: { Constraints: extra.constraints ?? [], ...(extra.maxPerNode ? { MaxReplicas: extra.maxPerNode } : {}) },
            RestartPolicy: { Condition: "none" },
            Networks: [{ Target: names.network }],
        },
        Mode: { Replicated: { Replicas: extra.replicas ?? 1 } },
        EndpointSpec: { Mode: extra.mode ?? "dnsrr", Ports: extra.ports ?? [] },
    };
}

/** The service's running tasks, once `count` of them run (with their node, container and overlay address). */
async function runningTasks(service: string, count: number): Promise<RunningTask[]> {
    return waitFor(`${count} running task(s) of ${service}`, 60_000, async () => {
        const tasks = (await net.manager.listTasks({ filters: { service: [service], "desired-state": ["running"] } })) as Array<{
            ID: string;
            NodeID: string;
            Status: { State: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
            NetworksAttachments?: Array<{ Network: { Spec: { Name: string } }; Addresses: string[] }>;
        }>;
        const failed = tasks.find((t) => ["failed", "rejected"].includes(t.Status.State));
        if (failed) throw new Error(`task of ${service} ${failed.Status.State}: ${failed.Status.Err}`);
        const running = tasks.filter((t) => t.Status.State === "running");
        if (running.length !== count) return undefined;
        return running.map((t) => {
            const attachment = t.NetworksAttachments?.find((a) => a.Network.Spec.Name === names.network);
            return {
                id: t.ID,
                node: nodeOf.get(t.NodeID) ?? 0,
                containerId: t.Status.ContainerStatus?.ContainerID ?? "",
                address: (attachment?.Addresses[0] ?? "").split("/")[0] as string,
            };
        });
    });
}

/** A command in a task's container, through the engine of the node it runs on. */
function execInTask(task: RunningTask, cmd: string[]) {
    return exec(node(net, task.node).docker, task.containerId, cmd);
}

function execInClient(cmd: string[]) {
    return exec(node(net, 1).docker, names.client, cmd);
}

async function removeEverything(): Promise<void> {
    const filters = { label: [`${RUN_LABEL_KEY}=${label}`] };
    for (const s of await net.manager.listServices({ filters }).catch(() => [])) {
        await net.manager.getService(s.ID).remove().catch(() => undefined);
    }
    for (const n of net.nodes) {
        for (const c of await n.docker.listContainers({ all: true, filters }).catch(() => [])) {
            await n.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
        }
    }
    // The network and the secret go once the tasks using them are gone (their nodes stop them
    // asynchronously); then nothing of ours may be left on any node.
    await waitFor("the test network and secret to be removable", 45_000, async () => {
        for (const nw of await net.manager.listNetworks({ filters })) await net.manager.getNetwork(nw.Id).remove();
        for (const s of await net.manager.listSecrets({ filters })) await net.manager.getSecret(s.ID).remove();
        return true;
    }, 500);
    for (const n of net.nodes) {
        const left = await n.docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name`] } });
        const ours = left.filter((c) => Object.values(names).some((name) => c.Labels["com.docker.swarm.service.name"] === name));
        if (ours.length > 0) {
            await waitFor(`node ${n.index} to remove the tasks' containers`, 30_000, async () => {
                const still = await n.docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name`] } });
                return still.some((c) => Object.values(names).includes(c.Labels["com.docker.swarm.service.name"] ?? "")) ? undefined : true;
            }, 500);
        }
    }
}

beforeAll(async () => {
    net = await swarm();
    nodeOf = await nodeIndexById(net);
    for (const n of net.nodes) {
        try {
            await n.docker.getImage(IMAGE).inspect();
        } catch {
            throw new Error(`node ${n.index} has no ${IMAGE}: run \`npm run swarm:up\` (it copies the test images into every node)`);
        }
    }
    await net.manager.createNetwork({ Name: names.network, Driver: "overlay", Attachable: true, Labels: labels, CheckDuplicate: true });
    const secret = await net.manager.createSecret({ Name: names.secret, Labels: labels, Data: Buffer.from(SECRET_VALUE).toString("base64") });
    const notManager = `node.labels.${NODE_LABEL}!=1`;
    const create = async (name: string, spec: Dockerode.CreateServiceOptions) => {
        serviceIds[name] = ((await net.manager.createService(spec)) as unknown as { id: string }).id;
    };
    await Promise.all([
        // two replicas, one per node, never on the manager: on nodes 2 and 3
        create(names.dnsrr, serviceSpec(names.dnsrr, { replicas: 2, maxPerNode: 1, constraints: [notManager] })),
        create(
            names.withSecret,
            serviceSpec(names.withSecret, {
                constraints: [`node.labels.${NODE_LABEL}==3`],
                secrets: [{ SecretID: secret.id, SecretName: names.secret, File: { Name: names.secret, UID: "0", GID: "0", Mode: 0o400 } }],
            }),
        ),
        create(
            names.hostPort,
            serviceSpec(names.hostPort, { constraints: [`node.labels.${NODE_LABEL}==3`], ports: [{ Protocol: "tcp", TargetPort: 6379, PublishedPort: HOST_PORT, PublishMode: "host" }] }),
        ),
        create(names.vip, serviceSpec(names.vip, { mode: "vip", constraints: [`node.labels.${VALKEY_NODE_LABEL}==true`] })),
    ]);
    // A plain container on the manager, attached to the overlay like `docker run --network`.
    const client = await node(net, 1).docker.createContainer({
        name: names.client,
        Image: IMAGE,
        Entrypoint: ["sleep", "600"],
        Labels: labels,
        HostConfig: { NetworkMode: names.network },
        NetworkingConfig: { EndpointsConfig: { [names.network]: {} } },
    });
    await client.start();
}, 90_000);

afterAll(async () => {
    if (net) await removeEverything();
}, 90_000);

test("three nodes Ready and Active, node 1 the only manager (and leader); each engine knows which node it is", async () => {
    const nodes = await net.manager.listNodes();
    expect(nodes).toHaveLength(3);
    expect(nodes.map((n) => `${n.Status?.State}/${n.Spec?.Availability}`)).toEqual(["ready/active", "ready/active", "ready/active"]);
    const managers = nodes.filter((n) => n.Spec?.Role === "manager");
    expect(managers).toHaveLength(1);
    expect(managers[0]?.ManagerStatus?.Leader).toBe(true);
    expect(managers[0]?.Spec?.Labels?.[NODE_LABEL]).toBe("1");
    for (const n of net.nodes) {
        const info = (await n.docker.info()) as { Swarm: { NodeID: string; NodeAddr: string; LocalNodeState: string } };
        expect(info.Swarm.LocalNodeState).toBe("active");
        expect(nodeOf.get(info.Swarm.NodeID)).toBe(n.index);
        expect(info.Swarm.NodeAddr).toBe(n.address);
    }
});

test("labels: openwebui-valkey.node=<N> on every node, openwebui-valkey.valkey=true on node 2 only", async () => {
    const byIndex = new Map<number, Record<string, string>>();
    for (const n of await net.manager.listNodes()) byIndex.set(Number(n.Spec?.Labels?.[NODE_LABEL]), n.Spec?.Labels ?? {});
    expect([...byIndex.keys()].sort()).toEqual([1, 2, 3]);
    for (const [index, nodeLabels] of byIndex) {
        expect(nodeLabels[VALKEY_NODE_LABEL]).toBe(index === VALKEY_NODE ? "true" : undefined);
    }
});

test("a dnsrr service's two replicas on nodes 2 and 3 talk to each other and to a container on the manager across the attachable overlay", async () => {
    const tasks = await runningTasks(names.dnsrr, 2);
    expect(tasks.map((t) => t.node).sort()).toEqual([2, 3]);
    const [onTwo, onThree] = [tasks.find((t) => t.node === 2), tasks.find((t) => t.node === 3)] as [RunningTask, RunningTask];
    // dnsrr: the service name resolves to the tasks' own addresses (no virtual IP)
    const resolved = await waitFor("the service name to resolve to both tasks", 20_000, async () => {
        const r = await execInClient(["getent", "ahostsv4", names.dnsrr]);
        const addresses = [...new Set(r.stdout.split("\n").filter(Boolean).map((l) => l.split(/\s+/)[0]))].sort();
        return addresses.length === 2 ? addresses : undefined;
    });
    expect(resolved).toEqual([onTwo.address, onThree.address].sort());
    for (const t of tasks) {
        expect((await execInClient(["valkey-cli", "-h", t.address, "-t", "3", "ping"])).stdout.trim()).toBe("PONG");
    }
    // node 2's task writes into node 3's; node 3's reads it locally
    expect((await execInTask(onTwo, ["valkey-cli", "-h", onThree.address, "-t", "3", "set", "from-node-2", prefix])).stdout.trim()).toBe("OK");
    expect((await execInTask(onThree, ["valkey-cli", "get", "from-node-2"])).stdout.trim()).toBe(prefix);
});

test("a Docker secret reaches a task on a worker under /run/secrets", async () => {
    const [task] = await runningTasks(names.withSecret, 1);
    expect(task?.node).toBe(3);
    const r = await execInTask(task as RunningTask, ["sh", "-c", `stat -c '%u:%g %a' /run/secrets/${names.secret} && cat /run/secrets/${names.secret}`]);
    expect(r.stdout).toBe(`0:0 400\n${SECRET_VALUE}`);
});

test("host-mode publishing: the host reaches the task at its node's address, and only there (no routing mesh)", async () => {
    const [task] = await runningTasks(names.hostPort, 1);
    expect(task?.node).toBe(3);
    const three = node(net, 3);
    const answer = await waitFor(`PING on ${three.address}:${HOST_PORT}`, 20_000, async () => {
        const conn = await RespConnection.connect(HOST_PORT, three.address);
        try {
            return await conn.command("PING");
        } finally {
            conn.end();
        }
    });
    expect(answer).toBe("+PONG");
    // node 2 runs no task of it: its port is closed
    await expect(RespConnection.connect(HOST_PORT, node(net, 2).address)).rejects.toMatchObject({ code: "ECONNREFUSED" });
});

test("the kernel probe tells the truth about IPVS: a VIP service answers exactly when capabilities.json says ipvs", async () => {
    const [task] = await runningTasks(names.vip, 1);
    expect(task?.node).toBe(VALKEY_NODE);
    // the control: the task itself answers over the overlay (tasks.<name> resolves to its address)
    const control = await waitFor("the VIP service's task to answer through tasks.<name>", 20_000, async () => {
        const r = await execInClient(["valkey-cli", "-h", `tasks.${names.vip}`, "-t", "2", "ping"]);
        return r.stdout.trim() === "PONG" ? "PONG" : undefined;
    });
    expect(control).toBe("PONG");
    const service = await net.manager.getService(serviceIds[names.vip] as string).inspect();
    const vip = (service.Endpoint?.VirtualIPs ?? []).find((v: { Addr?: string }) => v.Addr)?.Addr?.split("/")[0];
    expect(vip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // the service name resolves to the virtual IP, which only IPVS forwards
    const resolved = (await execInClient(["getent", "ahostsv4", names.vip])).stdout.split(/\s+/)[0];
    expect(resolved).toBe(vip);
    const viaVip = await execInClient(["valkey-cli", "-h", names.vip, "-t", "3", "ping"]);
    const said = (viaVip.stdout + viaVip.stderr).trim();
    if (net.capabilities.ipvs) {
        expect(said).toBe("PONG");
    } else {
        expect(said).not.toBe("PONG");
        expect(said).toMatch(/No route to host|Connection refused|timed out|Connection timed out/);
    }
});
