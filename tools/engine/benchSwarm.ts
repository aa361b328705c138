// npm run bench:swarm — the swarm stack (Valkey and Open WebUI as services, PostgreSQL on the
// manager) on the three-node test swarm of tools/engine/swarm-up.sh, with the real Open WebUI:
//   1. `up` to converged: the realizer's create of the whole plan (it waits as the provider does:
//      convergeConfig for each service, the healthcheck for PostgreSQL), BENCH_RUNS times from nothing.
//   2. requests per second at 1, 2 and 3 replicas under the same client load: BENCH_LANES lanes of
//      authenticated GET /api/v1/auths/ (a database read and a revocation lookup in Valkey) for
//      BENCH_SECONDS through the balancer over the nodes' host-mode ports (tests/engine/swarmBalancer.ts).
//      The replica count is changed through the Docker API (`docker service scale`): the provider's
//      `mode` is ForceNew, so a changed `openWebUIReplicas` would replace the service.
//   3. a config rollout at 2 replicas under that load: requests that failed (goal 0), moved by the
//      balancer, and the rollout's duration.
//   4. Valkey's node cut off (its link down) and healed: cut → node Down, heal → Valkey's task
//      running, heal → a sign-in through a replica on another node succeeds.
// Progress goes to stderr, results to stdout. Everything is labelled openwebui-valkey.test-run=
// bench-sw-<random>, published on port 3460-3479 of the nodes, and removed at the end, also on
// failure or Ctrl-C.
import { randomBytes, randomInt } from "node:crypto";
import { cpus, loadavg } from "node:os";

import { VALKEY_NODE, SwarmNet, cutLink, healLink, node, swarm } from "./swarmNet";
import { NodeBalancer, steadyLoad } from "../../tests/engine/swarmBalancer";
import { SERVICE, realizeOnSwarm, runningTasks, swarmPlan, updateStatus, waitForRunning } from "../../tests/engine/swarmStack";
import { waitFor } from "../../tests/engine/harness";
import { Realization, removeByLabel } from "../realize/realizer";
import { cleanUpOnSignal, median, positiveInt, range, sleep, table } from "./benchSupport";

const RUNS = positiveInt("BENCH_RUNS", 2);
const LANES = positiveInt("BENCH_LANES", 8);
const SECONDS = positiveInt("BENCH_SECONDS", 20);
const runId = `bench-sw-${randomBytes(3).toString("hex")}`;
const PORT = 3460 + randomInt(0, 20);
const PREFIX = runId;
const OPEN_WEBUI = `${PREFIX}-open-webui`;
const VALKEY = `${PREFIX}-valkey`;
const CONFIG = { namePrefix: PREFIX, openWebUIHostPort: PORT, protectData: false };

const log = (line: string) => process.stderr.write(`bench:swarm: ${line}\n`);
let net: SwarmNet | undefined;
const realizations: Realization[] = [];

async function cleanup(): Promise<string[]> {
    const problems: string[] = [];
    if (!net) return problems;
    await healLink(node(net, VALKEY_NODE)).catch(() => undefined);
    for (const r of realizations.splice(0)) await r.destroy().catch((e) => problems.push(String(e)));
    for (const n of net.nodes) await removeByLabel(n.docker, runId).catch((e) => problems.push(String(e)));
    return problems;
}

async function up(): Promise<{ realization: Realization; seconds: number }> {
    const plan = swarmPlan(net!, CONFIG);
    const started = Date.now();
    const realization = await realizeOnSwarm(net!, plan, runId);
    realizations.push(realization);
    return { realization, seconds: (Date.now() - started) / 1000 };
}

async function scale(replicas: number): Promise<void> {
    const service = net!.manager.getService(OPEN_WEBUI);
    const info = (await service.inspect()) as { Version: { Index: number }; Spec: { Mode: { Replicated: { Replicas: number } } } };
    await service.update({ version: info.Version.Index, ...info.Spec, Mode: { Replicated: { Replicas: replicas } } });
    await waitForRunning(net!, OPEN_WEBUI, replicas, 300_000);
}

/** BENCH_LANES lanes of authenticated reads for BENCH_SECONDS; every latency in ms. */
async function load(balancer: NodeBalancer, token: string): Promise<{ perSecond: number; latencies: number[]; failed: number }> {
    const latencies: number[] = [];
    let failed = 0;
    const end = Date.now() + SECONDS * 1000;
    const lane = async () => {
        while (Date.now() < end) {
            const t = performance.now();
            try {
                const r = await balancer.request("GET", "/api/v1/auths/", undefined, token);
                if (r.status === 200) latencies.push(performance.now() - t);
                else failed++;
            } catch {
                failed++;
            }
        }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: LANES }, lane));
    return { perSecond: latencies.length / ((Date.now() - started) / 1000), latencies, failed };
}

function pct(values: number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
    net = await swarm();
    const ended = cleanUpOnSignal(runId, cleanup);
    log(`${cpus().length} cores, load ${loadavg()[0].toFixed(2)}; port ${PORT}; ${net.capabilities.ipvs ? "vip and ingress" : "dnsrr and host-mode publishing (no IPVS)"}`);

    const ups: number[] = [];
    for (let run = 1; run < RUNS; run++) {
        const { realization, seconds } = await up();
        ups.push(seconds);
        log(`up ${run}: ${seconds.toFixed(1)} s`);
        realizations.splice(realizations.indexOf(realization), 1);
        await realization.destroy();
    }
    const { realization, seconds } = await up();
    ups.push(seconds);
    log(`up ${RUNS}: ${seconds.toFixed(1)} s`);

    const balancer = new NodeBalancer(
        net.nodes.map((n) => n.address),
        PORT,
    );
    const first = (await runningTasks(net, OPEN_WEBUI))[0];
    const admin = await balancer.node(first.address).signUp("bench-admin@example.com");

    const throughput: Array<[number, Awaited<ReturnType<typeof load>>]> = [];
    for (const replicas of [1, 2, 3]) {
        await scale(replicas);
        await sleep(3000);
        const result = await load(balancer, admin.token);
        throughput.push([replicas, result]);
        log(`${replicas} replica(s): ${result.perSecond.toFixed(1)} requests/s, ${result.failed} failed`);
    }

    await scale(2);
    const user = await balancer.node((await runningTasks(net, OPEN_WEBUI))[0].address).signIn("bench-admin@example.com");
    const before = { ...balancer.counts };
    const stream = steadyLoad(balancer, user.token, LANES);
    const changed = swarmPlan(net, { ...CONFIG, openWebUIExtraEnvs: '["ROLLOUT_MARK=1"]' });
    const rolloutStarted = Date.now();
    await realization.update(changed.resources.find((r) => r.name === "open-webui-service" && r.type === SERVICE)!);
    await waitFor("the update to complete", 180_000, async () => ((await updateStatus(net!, OPEN_WEBUI)).startsWith("updating") ? undefined : true), 1000);
    const rolloutSeconds = (Date.now() - rolloutStarted) / 1000;
    const rollout = await stream.stop();
    const moved = balancer.counts.redispatched - before.redispatched;
    log(`rollout: ${rolloutSeconds.toFixed(1)} s, ${rollout.ok} ok, ${rollout.notOk.length} failed, ${moved} moved`);

    const valkeyNode = node(net, VALKEY_NODE);
    const other = (await runningTasks(net, OPEN_WEBUI)).find((t) => t.node !== VALKEY_NODE)!;
    await cutLink(valkeyNode);
    const cutAt = Date.now();
    await waitFor("Valkey's node Down", 60_000, async () => {
        const n = (await net!.manager.listNodes()).find((x) => x.Spec?.Labels?.["openwebui-valkey.node"] === String(VALKEY_NODE));
        return n?.Status?.State === "down" ? true : undefined;
    }, 200);
    const downSeconds = (Date.now() - cutAt) / 1000;
    await healLink(valkeyNode);
    const healedAt = Date.now();
    const valkeyRunning = waitForRunning(net, VALKEY, 1, 120_000).then(() => (Date.now() - healedAt) / 1000);
    const client = balancer.node(other.address);
    await waitFor("a sign-in through a replica off Valkey's node", 120_000, async () => ((await client.signInResponse("bench-admin@example.com")).status === 200 ? true : undefined), 200);
    const signInSeconds = (Date.now() - healedAt) / 1000;
    const valkeySeconds = await valkeyRunning;

    if (!ended()) {
        const [lo, hi] = range(ups);
        console.log(`Swarm stack on 3 nodes (${cpus().length} cores), ${net.capabilities.ipvs ? "vip/ingress" : "dnsrr/host"}; ${LANES} lanes, ${SECONDS} s per step\n`);
        console.log(
            table([
                ["measure", "value"],
                [`up to converged (Valkey, PostgreSQL, 2 Open WebUI replicas), ${RUNS} runs`, `${median(ups).toFixed(1)} s (${lo.toFixed(1)}-${hi.toFixed(1)})`],
                ...throughput.map(([n, r]): [string, string] => [
                    `${n} replica(s): requests/s, latency median / p90`,
                    `${r.perSecond.toFixed(1)}/s, ${median(r.latencies).toFixed(0)} / ${pct(r.latencies, 90).toFixed(0)} ms, ${r.failed} failed`,
                ]),
                ["config rollout at 2 replicas: duration (to update completed)", `${rolloutSeconds.toFixed(1)} s`],
                ["config rollout: requests failed / answered 200 / moved by the balancer", `${rollout.notOk.length} / ${rollout.ok} / ${moved}`],
                ["Valkey's node cut → node Down", `${downSeconds.toFixed(1)} s`],
                ["healed → Valkey's task running", `${valkeySeconds.toFixed(1)} s`],
                ["healed → sign-in through Valkey again", `${signInSeconds.toFixed(1)} s`],
            ]),
        );
    }
}

main()
    .catch((e) => {
        process.stderr.write(`bench:swarm failed: ${(e as Error).stack ?? e}\n`);
        process.exitCode = 1;
    })
    .finally(async () => {
        const problems = await cleanup();
        for (const p of problems) process.stderr.write(`bench:swarm: clean-up: ${p}\n`);
    });
