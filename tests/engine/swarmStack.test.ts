// The swarm stack on a real three-node swarm (tools/engine/swarm-up.sh) with the real Open WebUI
// 0.12.4, a real Valkey 8.0.1 and PostgreSQL 17: two replicas on different nodes, a session valid
// on every replica and revoked on all by one sign-out, a config rollout and a node drain under a
// steady stream of requests that fail none, Valkey's node cut off and healed (Valkey back with its
// data, the replicas elsewhere recovering without a restart), the preflight against the real swarm,
// a failing update rolled back by itself, and a second `up` that proposes nothing for services,
// secrets and configs. Requests go through a balancer over the nodes' host-mode ports
// (swarmBalancer.ts), as a proxy in front would.
import { SwarmNet, VALKEY_NODE, cutLink, healLink, node, swarm } from "../../tools/engine/swarmNet";
import { Realization, removeByLabel } from "../../tools/realize/realizer";
import type { Plan } from "../../tools/plan/evaluate";
import { checkSwarm, readSwarmState } from "../../program/swarmPreflight";
import { exec, runLabel, waitFor } from "./harness";
import { SignedIn } from "./openWebUIClient";
import { NodeBalancer, steadyLoad } from "./swarmBalancer";
import { SERVICE, nodeDocker, realizeOnSwarm, runningTasks, swarmPlan, updateStatus, waitForRunning } from "./swarmStack";

jest.setTimeout(600_000);

const PORT = 3361;
const PREFIX = "owswarm";
const OPEN_WEBUI = `${PREFIX}-open-webui`;
const VALKEY = `${PREFIX}-valkey`;
const CONFIG = { namePrefix: PREFIX, openWebUIHostPort: PORT, protectData: false };
const label = runLabel("swarm-stack");

let net: SwarmNet;
let plan: Plan;
let realization: Realization | undefined;
let balancer: NodeBalancer;
let admin: SignedIn;

function valkeyPassword(p: Plan): string {
    const secret = p.resources.find((r) => r.name === "valkey-password-secret")!;
    return Buffer.from(String(secret.inputs.data), "base64").toString();
}

async function valkeyCli(args: string[]): Promise<string> {
    const [task] = await waitForRunning(net, VALKEY, 1, 120_000);
    const r = await exec(nodeDocker(net, task.node), task.containerId, ["valkey-cli", ...args], [`REDISCLI_AUTH=${valkeyPassword(plan)}`]);
    if (r.code !== 0) throw new Error(`valkey-cli ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
}

beforeAll(async () => {
    net = await swarm();
    plan = swarmPlan(net, CONFIG);
    realization = await realizeOnSwarm(net, plan, label);
    balancer = new NodeBalancer(
        net.nodes.map((n) => n.address),
        PORT,
    );
    admin = await balancer.node((await runningTasks(net, OPEN_WEBUI))[0].address).signUp("admin@example.com");
});

afterAll(async () => {
    if (!net) return;
    await healLink(node(net, VALKEY_NODE)).catch(() => undefined);
    await realization?.destroy().catch(() => undefined);
    for (const n of net.nodes) await removeByLabel(n.docker, label).catch(() => undefined);
});

it("runs Valkey on its labelled node and two healthy Open WebUI replicas on two different nodes", async () => {
    const valkey = await runningTasks(net, VALKEY);
    expect(valkey.map((t) => t.node)).toEqual([VALKEY_NODE]);
    const replicas = await runningTasks(net, OPEN_WEBUI);
    expect(replicas).toHaveLength(2);
    expect(new Set(replicas.map((t) => t.node)).size).toBe(2);
    for (const r of replicas) {
        const health = await nodeDocker(net, r.node).getContainer(r.containerId).inspect();
        expect(health.State.Health?.Status).toBe("healthy");
    }
});

it("keeps a user signed in whichever replica answers, and one sign-out revokes the token on every replica", async () => {
    const replicas = await runningTasks(net, OPEN_WEBUI);
    const [first, second] = replicas.map((r) => balancer.node(r.address));
    const user = await first.addUser(admin.token, "swarm-user@example.com");
    const other = await second.signIn("swarm-user@example.com");
    for (const client of [first, second]) {
        expect((await client.me(user.token)).status).toBe(200);
        expect((await client.me(other.token)).status).toBe(200);
    }
    await second.signOut(user.token);
    expect((await first.me(user.token)).status).toBe(401);
    expect((await second.me(user.token)).status).toBe(401);
    expect((await first.me(other.token)).status).toBe(200);
    expect(await valkeyCli(["exists", `open-webui:auth:token:${user.jti}:revoked`])).toBe("1");
});

it("passes the preflight on this swarm, and the preflight refuses a placement label no node has before anything is made", async () => {
    const state = readSwarmState(net.nodes[0].host);
    const wants = { valkeyPlacementLabel: "openwebui-valkey.valkey", publishedPort: PORT, publishMode: "host", replicas: 2, maxReplicasPerNode: 1, ownServices: [VALKEY, OPEN_WEBUI] };
    expect(() => checkSwarm(state, wants)).not.toThrow();
    expect(() => checkSwarm(state, { ...wants, valkeyPlacementLabel: "openwebui-valkey.nowhere" })).toThrow(/no node carries openwebui-valkey.nowhere=true.*Fix: label the node that keeps Valkey's data: docker node update --label-add openwebui-valkey.nowhere=true/);
    expect(() => checkSwarm(state, { ...wants, ownServices: [] })).toThrow(new RegExp(`service ${OPEN_WEBUI} already publishes port ${PORT}`));
    expect(() => checkSwarm(state, { ...wants, replicas: 4 })).toThrow(/4 replicas need 4 usable nodes and the swarm has 3/);
});

it("rolls a config change out replica by replica under a steady stream of requests, failing none", async () => {
    const before = await runningTasks(net, OPEN_WEBUI);
    const user = await balancer.node(before[0].address).signIn("swarm-user@example.com");
    const load = steadyLoad(balancer, user.token);
    const changed = swarmPlan(net, { ...CONFIG, openWebUIExtraEnvs: '["ROLLOUT_MARK=1"]' });
    const started = Date.now();
    await realization!.update(changed.resources.find((r) => r.name === "open-webui-service" && r.type === SERVICE)!);
    const seconds = (Date.now() - started) / 1000;
    const after = await waitForRunning(net, OPEN_WEBUI, 2, 120_000);
    // The update ends once the last new replica has been watched for failure (updateConfig.monitor).
    const status = await waitFor("the update to complete", 120_000, async () => {
        const s = await updateStatus(net, OPEN_WEBUI);
        return s.startsWith("updating") ? undefined : s;
    }, 1000);
    const result = await load.stop();
    expect(status).toMatch(/^completed/);
    console.log(`rollout of 2 replicas: ${seconds.toFixed(1)} s, ${result.ok} requests answered 200, ${result.notOk.length} failed, ${balancer.counts.redispatched} moved to another node by the balancer`);
    expect(result.notOk).toEqual([]);
    expect(result.ok).toBeGreaterThan(20);
    expect(after.map((t) => t.id).filter((id) => before.some((b) => b.id === id))).toEqual([]);
    for (const t of after) {
        const c = await nodeDocker(net, t.node).getContainer(t.containerId).inspect();
        expect(c.Config.Env).toContain("ROLLOUT_MARK=1");
    }
    plan = changed;
});

it("moves the replicas of a drained node elsewhere while requests keep succeeding", async () => {
    console.log(`before the drain: update ${await updateStatus(net, OPEN_WEBUI)}`);
    const before = await runningTasks(net, OPEN_WEBUI);
    // A worker that runs a replica, never Valkey's node (draining it would stop Valkey, pinned there).
    const drained = [3, 1].find((n) => before.some((t) => t.node === n))!;
    const user = await balancer.node(before[0].address).signIn("swarm-user@example.com");
    const load = steadyLoad(balancer, user.token);
    const nodeId = (await net.manager.listNodes()).find((n) => n.Spec?.Labels?.["openwebui-valkey.node"] === String(drained))!;
    const spec = (n: typeof nodeId, availability: string) => ({ version: n.Version!.Index!, ...n.Spec!, Availability: availability });
    await net.manager.getNode(nodeId.ID!).update(spec(nodeId, "drain"));
    try {
        const after = await waitForRunning(net, OPEN_WEBUI, 2, 180_000, (tasks) => tasks.every((t) => t.node !== drained));
        const result = await load.stop();
        console.log(`drain of node ${drained}: replicas now on nodes ${after.map((t) => t.node).join(", ")}; ${result.ok} requests answered 200, ${result.notOk.length} failed`);
        expect(result.notOk).toEqual([]);
        expect(new Set(after.map((t) => t.node)).size).toBe(2);
    } finally {
        const current = await net.manager.getNode(nodeId.ID!).inspect();
        await net.manager.getNode(nodeId.ID!).update(spec(current, "active"));
    }
});

it("brings Valkey back with its data after its node's link is cut and healed, and Open WebUI recovers without a restart", async () => {
    const marker = `swarm-marker-${Date.now()}`;
    expect(await valkeyCli(["set", "open-webui:test:marker", marker])).toBe("OK");
    await new Promise((r) => setTimeout(r, 1500)); // appendfsync everysec
    const replicasBefore = (await runningTasks(net, OPEN_WEBUI)).filter((t) => t.node !== VALKEY_NODE);
    const startedBefore = await Promise.all(replicasBefore.map(async (t) => (await nodeDocker(net, t.node).getContainer(t.containerId).inspect()).State.StartedAt));
    const valkeyNode = node(net, VALKEY_NODE);

    await cutLink(valkeyNode);
    const cutAt = Date.now();
    await waitFor("Valkey's node Down", 60_000, async () => {
        const n = (await net.manager.listNodes()).find((x) => x.Spec?.Labels?.["openwebui-valkey.node"] === String(VALKEY_NODE));
        return n?.Status?.State === "down" ? true : undefined;
    }, 500);
    const downAfter = (Date.now() - cutAt) / 1000;
    await healLink(valkeyNode);
    const healedAt = Date.now();
    const client = balancer.node(replicasBefore[0].address);
    await waitFor("a sign-in through a replica that stayed up", 120_000, async () => ((await client.signInResponse("swarm-user@example.com")).status === 200 ? true : undefined), 500);
    const servingAfter = (Date.now() - healedAt) / 1000;
    console.log(`Valkey's node Down ${downAfter.toFixed(1)} s after the cut; sign-in through Valkey again ${servingAfter.toFixed(1)} s after the heal`);

    expect(await valkeyCli(["get", "open-webui:test:marker"])).toBe(marker);
    for (const [i, t] of replicasBefore.entries()) {
        const c = await nodeDocker(net, t.node).getContainer(t.containerId).inspect();
        expect(c.State.Running).toBe(true);
        expect(c.State.StartedAt).toBe(startedBefore[i]);
        expect(c.RestartCount).toBe(0);
    }
    await waitForRunning(net, OPEN_WEBUI, 2, 180_000);
});

it("rolls a failing update back by itself, with the replicas of the last good spec serving throughout", async () => {
    const before = await runningTasks(net, OPEN_WEBUI);
    const user = await balancer.node(before[0].address).signIn("swarm-user@example.com");
    const load = steadyLoad(balancer, user.token);
    // A release that cannot start, edited into the plan outside the component: its first task exits
    // at once, and updateConfig's failureAction rolls the service back to the running spec.
    const broken = JSON.parse(JSON.stringify(plan.resources.find((r) => r.name === "open-webui-service" && r.type === SERVICE)!));
    broken.inputs.taskSpec.containerSpec.args = ["sh", "-c", "echo broken release; exit 3"];
    let error: unknown;
    try {
        await realization!.update(broken);
    } catch (e) {
        error = e;
    }
    const status = await waitFor("the rollback to complete", 180_000, async () => {
        const st = await updateStatus(net, OPEN_WEBUI);
        return st.startsWith("rollback_completed") ? st : undefined;
    }, 1000);
    const after = await waitForRunning(net, OPEN_WEBUI, 2, 180_000);
    const result = await load.stop();
    console.log(`failing update: ${status}; ${result.ok} requests answered 200, ${result.notOk.length} failed; the update returned: ${String((error as Error)?.message ?? "no error")}`);
    expect(String((error as Error)?.message)).toMatch(/roll/i);
    expect(result.notOk).toEqual([]);
    for (const t of after) {
        const c = await nodeDocker(net, t.node).getContainer(t.containerId).inspect();
        expect(c.Config.Cmd).toEqual(["bash", "start.sh"]);
        expect(c.State.Health?.Status).toBe("healthy");
    }
});

it("proposes nothing on a second up: every service, secret and config reads back as declared", async () => {
    console.log(`update status: Open WebUI ${await updateStatus(net, OPEN_WEBUI)}, Valkey ${await updateStatus(net, VALKEY)}`);
    const changes = await realization!.proposedSwarmChanges(plan);
    expect(changes).toEqual([]);
});
