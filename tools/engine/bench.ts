// npm run bench:engine — the hardened Valkey container the plan declares, measured on the engine
// that DOCKER_HOST names, against a stock container of the same image:
//   1. start → healthy (engine timestamps: State.StartedAt to the End of the first passing health
//      probe; cross-checked by inspecting every 50 ms), hardened and stock alternately;
//   2. SET/GET throughput with valkey-benchmark from a client container on the same network,
//      hardened and stock alternately, and the ratio hardened/stock;
//   3. the prod plan's PostgreSQL (its PostgresDatabase and the network it joins): start → healthy
//      on a fresh volume (realized from nothing: initdb, the init script, the restart) and on an
//      existing one (the container replaced on the same volume), and the replacement's wall time.
// Medians of BENCH_RUNS runs (default 5). BENCH_REQUESTS (default 100000) and BENCH_CLIENTS
// (default 50) set valkey-benchmark's -n and -c. BENCH_PARTS=valkey or =postgres runs one part.
// Everything created is named bench-<random>-…, labelled openwebui-valkey.test-run=bench-<random>,
// and removed at the end, also on failure or Ctrl-C.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import Dockerode from "dockerode";

import { RUN_LABEL_KEY, Realization, realize, removeByLabel, replaceContainer } from "../realize/realizer";
import {
    ValkeyPlan,
    cleanUpOnSignal,
    demux,
    engineTimeMs,
    execIn,
    median,
    messageOf,
    parseBenchmarkCsv,
    pollHealthy,
    postgresSubPlan,
    range,
    positiveInt,
    sleep,
    statusOf,
    table,
    valkeySubPlan,
} from "./benchSupport";

const RUNS = positiveInt("BENCH_RUNS", 5);
const REQUESTS = positiveInt("BENCH_REQUESTS", 100_000);
const CLIENTS = positiveInt("BENCH_CLIENTS", 50);
const POLL_MS = 50;
const HEALTH_TIMEOUT_MS = 60_000;

const VALKEY_IMAGE = "openwebui-valkey-test/valkey:8.0.1";
const POSTGRES_IMAGE = "openwebui-valkey-test/postgres-pgvector:17";
/** The last "ready" line of a PostgreSQL start: the server the entrypoint execs, after initdb's temporary one. */
const POSTGRES_READY = /database system is ready to accept connections/;
const IMAGE_MAP: Readonly<Record<string, string>> = {
    "docker.io/valkey/valkey:8.0.1-alpine": VALKEY_IMAGE,
    "ghcr.io/open-webui/open-webui:v0.12.4": "openwebui-valkey-test/open-webui:0.12.4",
    "docker.io/pgvector/pgvector:0.8.0-pg17": POSTGRES_IMAGE,
};
/** Which parts run (BENCH_PARTS, comma-separated): the Valkey figures, the PostgreSQL ones, or both. */
const PARTS = (process.env["BENCH_PARTS"] ?? "valkey,postgres").split(",").map((p) => p.trim()).filter((p) => p !== "");
for (const part of PARTS) {
    if (part !== "valkey" && part !== "postgres") throw new Error(`BENCH_PARTS: unknown part "${part}" (valkey, postgres)`);
}
/** Same persistence as the hardened server, nothing else. */
const STOCK_BENCH_COMMAND = ["valkey-server", "--save", "30", "1", "--appendonly", "yes", "--appendfsync", "everysec"];
const STOCK_START_COMMAND = ["valkey-server"];

const root = path.resolve(__dirname, "../..");
const runId = `bench-${randomBytes(4).toString("hex")}`;
const labels = { [RUN_LABEL_KEY]: runId };
const docker = new Dockerode();

const out = (line = ""): void => {
    process.stdout.write(`${line}\n`);
};
const progress = (line: string): void => {
    process.stderr.write(`  · ${line}\n`);
};

// ---------------------------------------------------------------------------------------------
// what this run created, for cleanup

const live = {
    realizations: new Set<Realization>(),
    containers: new Set<string>(),
    volumes: new Set<string>(),
};
let cleaning: Promise<string[]> | undefined;

async function removeContainer(id: string): Promise<void> {
    try {
        await docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
        if (statusOf(e) !== 404 && !/already in progress/i.test(messageOf(e))) throw e;
    }
    live.containers.delete(id);
}

async function removeVolume(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
        try {
            await docker.getVolume(name).remove();
            break;
        } catch (e) {
            if (statusOf(e) === 404) break;
            if (!/in use/i.test(messageOf(e)) || attempt >= 40) throw e;
            await sleep(250);
        }
    }
    live.volumes.delete(name);
}

async function destroyRealization(realization: Realization): Promise<void> {
    await realization.destroy();
    live.realizations.delete(realization);
}

/** Removes everything of this run; returns what could not be removed. Safe to call twice. */
function cleanup(): Promise<string[]> {
    cleaning ??= (async () => {
        const failures: string[] = [];
        const attempt = async (what: string, action: () => Promise<unknown>): Promise<void> => {
            try {
                await action();
            } catch (e) {
                failures.push(`${what}: ${messageOf(e)}`);
            }
        };
        for (const id of [...live.containers]) await attempt(`container ${id.slice(0, 12)}`, () => removeContainer(id));
        for (const r of [...live.realizations]) await attempt("realization", () => destroyRealization(r));
        for (const name of [...live.volumes]) await attempt(`volume ${name}`, () => removeVolume(name));
        // anything labelled with this run that the bookkeeping missed (an interrupted create)
        await attempt("sweep by label", () => removeByLabel(docker, runId));
        return failures;
    })();
    return cleaning;
}

async function leftovers(): Promise<string[]> {
    const byName = { name: [runId] };
    const byLabel = { label: [`${RUN_LABEL_KEY}=${runId}`] };
    const found = new Set<string>();
    for (const filters of [byName, byLabel]) {
        for (const c of await docker.listContainers({ all: true, filters })) found.add(`container ${c.Names.join(",")}`);
        for (const n of await docker.listNetworks({ filters })) found.add(`network ${n.Name}`);
        for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) found.add(`volume ${v.Name}`);
    }
    return [...found];
}

// ---------------------------------------------------------------------------------------------
// the plan

/** A stack's plan, secrets shown (the realizer needs them), every name prefixed with this run's id. */
async function renderStackPlan(stack: string): Promise<unknown> {
    const { stdout } = await promisify(execFile)(
        "npm",
        ["run", "--silent", "plan", "--", "--stack", stack, "--json", "--show-secrets", "--config", `namePrefix=${runId}`],
        { cwd: root, maxBuffer: 64 * 1024 * 1024, env: process.env },
    );
    return JSON.parse(stdout) as unknown;
}

async function renderPlan(): Promise<ValkeyPlan> {
    const vp = valkeySubPlan(await renderStackPlan("dev"));
    for (const name of [vp.containerName, vp.networkName, vp.volumeName]) {
        if (!name.startsWith(`${runId}-`)) throw new Error(`plan: ${name} does not carry the prefix ${runId}-; refusing to create it`);
    }
    return vp;
}

// ---------------------------------------------------------------------------------------------
// start → healthy

interface StartSample {
    /** StartedAt → End of the first passing health probe (engine clock). */
    healthyMs: number;
    /** StartedAt → first 50 ms inspect that saw `healthy` (host clock; same machine). */
    polledMs: number;
    /** StartedAt → the server's "Ready to accept connections" log line. */
    readyMs: number;
    /** StartedAt → Start of the first health probe. */
    firstProbeMs: number;
    /** Duration of the first passing probe. */
    probeMs: number;
    /** Probes run up to and including the first passing one. */
    probes: number;
}

interface HealthEntry {
    Start: string;
    End: string;
    ExitCode: number;
}

/** Valkey's line; PostgreSQL logs "database system is ready to accept connections" (the last one counts: initdb's temporary server logs it too). */
const VALKEY_READY = /Ready to accept connections/;

async function startSample(containerId: string, polledAt: number, ready: RegExp = VALKEY_READY): Promise<StartSample> {
    const container = docker.getContainer(containerId);
    const info = await container.inspect();
    const started = engineTimeMs(info.State.StartedAt);
    const log = ((info.State.Health?.Log ?? []) as unknown as HealthEntry[])
        .map((e) => ({ start: engineTimeMs(e.Start), end: engineTimeMs(e.End), code: e.ExitCode }))
        .sort((a, b) => a.start - b.start);
    const passIndex = log.findIndex((e) => e.code === 0);
    const pass = log[passIndex];
    const first = log[0];
    if (pass === undefined || first === undefined) throw new Error(`${info.Name}: no passing health probe in its log`);

    const raw = (await container.logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as unknown as Buffer;
    const text = Buffer.isBuffer(raw) ? demux(raw) : { stdout: String(raw), stderr: "" };
    const readyLine = `${text.stdout}\n${text.stderr}`
        .split("\n")
        .filter((l) => ready.test(l))
        .sort()
        .at(-1);
    const readyStamp = readyLine?.split(" ")[0];
    return {
        healthyMs: pass.end - started,
        polledMs: polledAt - started,
        readyMs: readyStamp !== undefined ? engineTimeMs(readyStamp) - started : NaN,
        firstProbeMs: first.start - started,
        probeMs: pass.end - pass.start,
        probes: passIndex + 1,
    };
}

interface HealthcheckConfig {
    Test: string[];
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    Retries?: number;
}

/** The hardened container's healthcheck, copied to the stock containers. */
let healthcheck: HealthcheckConfig | undefined;
let hardening = "";

function describeHardening(info: Dockerode.ContainerInspectInfo): string {
    const h = info.HostConfig;
    const parts = [
        `user ${info.Config.User === "" ? "root→valkey (entrypoint setpriv)" : info.Config.User}`,
        `cap-drop ${(h.CapDrop ?? []).join(",")}`,
        `cap-add ${(h.CapAdd ?? []).join(",")}`,
        h.ReadonlyRootfs === true ? "read-only rootfs" : "writable rootfs",
        ...(h.SecurityOpt ?? []),
        ...((h.Ulimits ?? []) as { Name: string; Soft: number }[]).map((u) => `${u.Name}=${u.Soft}`),
        "requirepass",
    ];
    return parts.join(", ");
}

async function hardenedStart(vp: ValkeyPlan): Promise<StartSample> {
    let failed = false;
    const poll = pollHealthy(docker, vp.containerName, POLL_MS, HEALTH_TIMEOUT_MS, () => failed);
    poll.catch(() => undefined);
    let realization: Realization;
    try {
        realization = await realize(vp.plan, { docker, imageMap: IMAGE_MAP, runLabel: runId, pollMilliseconds: POLL_MS });
    } catch (e) {
        failed = true;
        throw e;
    }
    live.realizations.add(realization);
    try {
        const polledAt = await poll;
        const id = realization.containerId(vp.container.name);
        const sample = await startSample(id, polledAt);
        if (healthcheck === undefined) {
            const info = await docker.getContainer(id).inspect();
            healthcheck = info.Config.Healthcheck as HealthcheckConfig;
            hardening = describeHardening(info);
        }
        return sample;
    } finally {
        failed = true;
        await destroyRealization(realization);
    }
}

async function createStock(name: string, networkName: string, cmd: string[]): Promise<string> {
    if (healthcheck === undefined) throw new Error("the hardened container's healthcheck is not known yet");
    const volume = `${name}-data`;
    await docker.createVolume({ Name: volume, Labels: labels });
    live.volumes.add(volume);
    const container = await docker.createContainer({
        name,
        Image: VALKEY_IMAGE,
        Cmd: cmd,
        Labels: labels,
        Healthcheck: healthcheck,
        HostConfig: { NetworkMode: networkName, Mounts: [{ Type: "volume", Source: volume, Target: "/data" }] },
    });
    live.containers.add(container.id);
    return container.id;
}

async function removeStock(id: string, name: string): Promise<void> {
    await removeContainer(id);
    await removeVolume(`${name}-data`);
}

async function stockStart(networkName: string): Promise<StartSample> {
    const name = `${runId}-stock-start`;
    const id = await createStock(name, networkName, STOCK_START_COMMAND);
    let failed = false;
    try {
        const poll = pollHealthy(docker, id, POLL_MS, HEALTH_TIMEOUT_MS, () => failed);
        poll.catch(() => undefined);
        await docker.getContainer(id).start();
        return await startSample(id, await poll);
    } finally {
        failed = true;
        await removeStock(id, name);
    }
}

// ---------------------------------------------------------------------------------------------
// throughput

interface Target {
    label: "hardened" | "stock";
    host: string;
    password: string | undefined;
}

interface ThroughputSample {
    set: number;
    get: number;
    setP50: number;
    getP50: number;
}

async function runBenchmark(clientId: string, target: Target, requests: number): Promise<ThroughputSample> {
    const cmd = ["valkey-benchmark", "-h", target.host, "-p", "6379"];
    if (target.password !== undefined) cmd.push("-a", target.password);
    cmd.push("-t", "set,get", "-n", String(requests), "-c", String(CLIENTS), "-P", "1", "-q", "--csv");
    const result = await execIn(docker, clientId, cmd);
    if (result.code !== 0) throw new Error(`valkey-benchmark against ${target.label} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    const rows = parseBenchmarkCsv(result.stdout);
    const set = rows["SET"];
    const get = rows["GET"];
    if (set === undefined || get === undefined || !(set.rps > 0) || !(get.rps > 0)) {
        throw new Error(`valkey-benchmark against ${target.label} gave no SET/GET figures:\n${result.stdout}${result.stderr}`);
    }
    return { set: set.rps, get: get.rps, setP50: set.p50Ms, getP50: get.p50Ms };
}

async function cli(clientId: string, target: Target, args: string[]): Promise<string> {
    const cmd = ["valkey-cli", "-h", target.host, "-p", "6379"];
    if (target.password !== undefined) cmd.push("--no-auth-warning", "-a", target.password);
    const result = await execIn(docker, clientId, [...cmd, ...args]);
    return `${result.stdout}${result.stderr}`.trim();
}

async function persistenceOf(clientId: string, target: Target): Promise<string> {
    const lines = (await cli(clientId, target, ["config", "get", "appendonly", "appendfsync", "save"])).split("\n");
    const pairs = new Map<string, string>();
    for (let i = 0; i + 1 < lines.length; i += 2) pairs.set(lines[i] as string, lines[i + 1] as string);
    return `appendonly ${pairs.get("appendonly")}, appendfsync ${pairs.get("appendfsync")}, save "${pairs.get("save")}"`;
}

// ---------------------------------------------------------------------------------------------

const fmtMs = (v: number): string => (Number.isFinite(v) ? (Math.round(v) + 0).toFixed(0) : "-");
const fmtRps = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "-");

async function main(): Promise<void> {
    const t0 = Date.now();
    const version = await docker.version();
    out(`engine ${version.Version} (API ${version.ApiVersion}) at ${process.env["DOCKER_HOST"] ?? "the default socket"}; run ${runId}; ${RUNS} runs each; parts: ${PARTS.join(", ")}`);
    if (PARTS.includes("valkey")) await valkeyBench();
    if (PARTS.includes("postgres")) await postgresBench();
    out();
    out(`runtime ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function valkeyBench(): Promise<void> {
    out();
    out(`Valkey on Docker: hardened (the plan's ValkeyCache) vs stock, ${VALKEY_IMAGE}`);
    await docker.getImage(VALKEY_IMAGE).inspect().catch((e: unknown) => {
        throw new Error(`image ${VALKEY_IMAGE} is not on the engine (tools/engine/build-images.sh builds it): ${messageOf(e)}`);
    });

    progress("rendering the dev plan");
    const vp = await renderPlan();
    progress(`plan: ${vp.plan.resources.length} resources of the ValkeyCache (${vp.containerName}, ${vp.networkName}, ${vp.volumeName})`);

    // 1. start → healthy. Each hardened run realizes the Valkey part of the plan afresh (network,
    // volume, container) and destroys it; stock runs need a network, so one of ours is kept.
    const starts: Record<"hardened" | "stock", StartSample[]> = { hardened: [], stock: [] };
    const stockNetwork = `${runId}-stock-net`;
    const net = await docker.createNetwork({ Name: stockNetwork, Labels: labels, CheckDuplicate: true });
    try {
        for (let i = 0; i < RUNS; i++) {
            const order: ("hardened" | "stock")[] = i % 2 === 0 ? ["hardened", "stock"] : ["stock", "hardened"];
            for (const kind of order) {
                const sample = kind === "hardened" ? await hardenedStart(vp) : await stockStart(stockNetwork);
                starts[kind].push(sample);
                progress(`start ${i + 1}/${RUNS} ${kind}: healthy after ${fmtMs(sample.healthyMs)} ms (poll ${fmtMs(sample.polledMs)} ms, ready ${fmtMs(sample.readyMs)} ms, ${sample.probes} probe(s))`);
            }
        }
    } finally {
        await net.remove().catch((e: unknown) => {
            if (statusOf(e) !== 404) throw e;
        });
    }

    // 2. throughput: the plan's container and a stock one side by side on the plan's network
    progress("realizing the ValkeyCache for the throughput runs");
    const realization = await realize(vp.plan, { docker, imageMap: IMAGE_MAP, runLabel: runId, pollMilliseconds: POLL_MS });
    live.realizations.add(realization);
    const stockName = `${runId}-stock`;
    const stockId = await createStock(stockName, vp.networkName, STOCK_BENCH_COMMAND);
    await docker.getContainer(stockId).start();
    await pollHealthy(docker, stockId, POLL_MS, HEALTH_TIMEOUT_MS, () => false);
    const client = await docker.createContainer({
        name: `${runId}-client`,
        Image: VALKEY_IMAGE,
        Entrypoint: ["sleep"],
        Cmd: ["infinity"],
        Labels: labels,
        // a tmpfs on the image's VOLUME /data keeps Docker from making an anonymous volume
        HostConfig: { NetworkMode: vp.networkName, Tmpfs: { "/data": "" } },
    });
    live.containers.add(client.id);
    await client.start();

    const hardenedTarget: Target = { label: "hardened", host: vp.alias, password: vp.password };
    const stockTarget: Target = { label: "stock", host: stockName, password: undefined };
    const noAuth = await cli(client.id, { ...hardenedTarget, password: undefined }, ["ping"]);
    if (!/NOAUTH/.test(noAuth)) throw new Error(`the hardened server answered PING without a password: ${noAuth}`);
    for (const target of [hardenedTarget, stockTarget]) {
        const pong = await cli(client.id, target, ["ping"]);
        if (pong !== "PONG") throw new Error(`${target.label} (${target.host}) did not answer PONG: ${pong}`);
    }
    const persistence = {
        hardened: await persistenceOf(client.id, hardenedTarget),
        stock: await persistenceOf(client.id, stockTarget),
    };

    const loadBefore = loadavg()[0] ?? NaN;
    const warmup = Math.max(10_000, Math.floor(REQUESTS / 5));
    progress(`warm-up: -n ${warmup} against each`);
    await runBenchmark(client.id, hardenedTarget, warmup);
    await runBenchmark(client.id, stockTarget, warmup);
    const tput: Record<"hardened" | "stock", ThroughputSample[]> = { hardened: [], stock: [] };
    for (let i = 0; i < RUNS; i++) {
        const order = i % 2 === 0 ? [hardenedTarget, stockTarget] : [stockTarget, hardenedTarget];
        for (const target of order) {
            const s = await runBenchmark(client.id, target, REQUESTS);
            tput[target.label].push(s);
            progress(`throughput ${i + 1}/${RUNS} ${target.label}: SET ${fmtRps(s.set)}/s, GET ${fmtRps(s.get)}/s`);
        }
    }
    await removeContainer(client.id);
    await removeStock(stockId, stockName);
    await destroyRealization(realization);

    // ------------------------------------------------------------------ report
    const m = (kind: "hardened" | "stock", key: keyof StartSample): number => median(starts[kind].map((s) => s[key]));
    const interval = (healthcheck?.Interval ?? NaN) / 1e6;
    out();
    out(`1. Start → healthy, ms after State.StartedAt, median of ${RUNS} (healthcheck: interval ${fmtMs(interval)} ms, start period ${fmtMs((healthcheck?.StartPeriod ?? NaN) / 1e6)} ms)`);
    out(
        table([
            ["container", "healthy (probe End)", `healthy (${POLL_MS} ms poll)`, "server ready", "1st probe starts", "probe takes", "probes"],
            ...(["hardened", "stock"] as const).map((k) => [
                k,
                fmtMs(m(k, "healthyMs")),
                fmtMs(m(k, "polledMs")),
                fmtMs(m(k, "readyMs")),
                fmtMs(m(k, "firstProbeMs")),
                fmtMs(m(k, "probeMs")),
                String(median(starts[k].map((s) => s.probes))),
            ]),
        ]),
    );
    const [hMin, hMax] = range(starts.hardened.map((s) => s.healthyMs));
    const [sMin, sMax] = range(starts.stock.map((s) => s.healthyMs));
    out(`   range: hardened ${fmtMs(hMin)}–${fmtMs(hMax)} ms, stock ${fmtMs(sMin)}–${fmtMs(sMax)} ms`);
    out(`   hardened: ${hardening}`);
    out(`   stock:    ${STOCK_START_COMMAND.join(" ")}, no auth, same healthcheck, image defaults otherwise`);

    const t = (kind: "hardened" | "stock", key: keyof ThroughputSample): number => median(tput[kind].map((s) => s[key]));
    const ratioSet = t("hardened", "set") / t("stock", "set");
    const ratioGet = t("hardened", "get") / t("stock", "get");
    // each run's hardened and stock figures are adjacent in time: their ratio cancels slow drift
    const pairRatios = (key: "set" | "get"): number[] =>
        tput.hardened.map((h, i) => h[key] / (tput.stock[i]?.[key] ?? NaN));
    const pairText = (key: "set" | "get"): string => {
        const ratios = pairRatios(key);
        const [lo, hi] = range(ratios);
        return `${median(ratios).toFixed(3)} (${lo.toFixed(2)}–${hi.toFixed(2)})`;
    };
    const spread = (kind: "hardened" | "stock", key: "set" | "get"): string => {
        const [lo, hi] = range(tput[kind].map((s) => s[key]));
        return `${fmtRps(lo)}–${fmtRps(hi)}`;
    };
    out();
    out(`2. Throughput, valkey-benchmark -t set,get -n ${REQUESTS} -c ${CLIENTS} -P 1 from a client container on the plan's network,`);
    out(`   median of ${RUNS} alternating runs (after one warm-up run each); 1-min load average before: ${loadBefore.toFixed(2)}`);
    out(
        table([
            ["server", "SET req/s", "(min–max)", "GET req/s", "(min–max)", "SET p50 ms", "GET p50 ms"],
            ...(["hardened", "stock"] as const).map((k) => [
                k,
                fmtRps(t(k, "set")),
                spread(k, "set"),
                fmtRps(t(k, "get")),
                spread(k, "get"),
                t(k, "setP50").toFixed(3),
                t(k, "getP50").toFixed(3),
            ]),
            ["hardened/stock", ratioSet.toFixed(3), "", ratioGet.toFixed(3), "", "", ""],
        ]),
    );
    out(`   ratio of medians above; median of the ${RUNS} per-run ratios (hardened/stock run back to back): SET ${pairText("set")}, GET ${pairText("get")}`);
    out(`   hardened: -h ${vp.alias} -a <password>; ${persistence.hardened}; plus --maxclients 10000 --timeout 1800 --tcp-keepalive 300 --maxmemory-policy noeviction`);
    out(`   stock:    -h ${stockName}; ${STOCK_BENCH_COMMAND.join(" ")} → ${persistence.stock}`);

    const noise = Math.max(
        ...(["hardened", "stock"] as const).flatMap((k) =>
            (["set", "get"] as const).map((key) => {
                const [lo, hi] = range(tput[k].map((s) => s[key]));
                return (hi - lo) / t(k, key);
            }),
        ),
    );
    const within = Math.abs(ratioSet - 1) <= noise && Math.abs(ratioGet - 1) <= noise;
    const startDelta = m("hardened", "healthyMs") - m("stock", "healthyMs");
    const startJitter = Math.max(hMax - hMin, sMax - sMin);
    const pollLag = median([...starts.hardened, ...starts.stock].map((s) => s.polledMs - s.healthyMs));
    const readyDelta = m("hardened", "readyMs") - m("stock", "readyMs");
    out();
    out(
        `Start → healthy is bounded by the healthcheck, not by Valkey: the server logs "Ready to accept connections" ` +
            `about ${fmtMs(m("hardened", "readyMs"))} ms (hardened) / ${fmtMs(m("stock", "readyMs"))} ms (stock) after start, but Docker runs the ` +
            `first probe only one interval (${fmtMs(interval)} ms) after start, start period or not, so healthy comes at ` +
            `interval + probe time (${fmtMs(m("hardened", "probeMs"))} / ${fmtMs(m("stock", "probeMs"))} ms for sh + valkey-cli ping in the container); ` +
            `a server not yet up at the first probe would cost a whole further interval. The hardened container is ` +
            `${fmtMs(Math.abs(startDelta))} ms ${startDelta >= 0 ? "slower" : "faster"} to healthy in the median, ` +
            `${Math.abs(startDelta) <= startJitter ? "within" : "outside"} the spread of the runs (${fmtMs(startJitter)} ms)` +
            `${readyDelta > 0 ? `; its server is up ${fmtMs(readyDelta)} ms later (the sh -c wrapper that adds --requirepass runs first), which the 1 s wait hides` : ""}; ` +
            `the ${POLL_MS} ms inspect poll sees healthy ${fmtMs(pollLag)} ms after the probe's End (poll period plus inspect time). Throughput: both servers run the same image ` +
            `and binary with the same persistence, on the same network, reached from the same client container, alternately; ` +
            `the hardening (dropped capabilities, read-only root filesystem, no-new-privileges, nofile limit) acts at ` +
            `process start and on privileged syscalls, not on the request path, and requirepass costs one AUTH per ` +
            `connection (${CLIENTS} per test), so hardened/stock is ${ratioSet.toFixed(3)} for SET and ${ratioGet.toFixed(3)} for GET (ratio of medians), ` +
            `${within ? "inside" : "outside"} the run-to-run spread (up to ${(noise * 100).toFixed(1)} % of a median)` +
            `${within ? ": no cost of the hardening is measurable here" : ""}. ` +
            `Server, client and engine share ${cpus().length} cores, so the absolute requests/s are a property of this machine; the ratio is the figure.`,
    );
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: start → healthy on a fresh volume (initdb, the init script, a restart) and on one
// that holds a cluster already (a replacement of the container, as a changed declaration does)

interface PostgresSample extends StartSample {
    /** StartedAt → the entrypoint's "initialisation complete" (fresh volume only). */
    initMs: number;
    /** Host clock: when the realizer (50 ms poll) returned with the container healthy, after StartedAt. */
    returnedMs: number;
}

async function postgresSample(containerId: string, returnedAt: number, expect: "fresh" | "existing"): Promise<PostgresSample> {
    const sample = await startSample(containerId, returnedAt, POSTGRES_READY);
    const container = docker.getContainer(containerId);
    const raw = (await container.logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as unknown as Buffer;
    const text = Buffer.isBuffer(raw) ? demux(raw) : { stdout: String(raw), stderr: "" };
    const lines = `${text.stdout}\n${text.stderr}`.split("\n");
    const initialised = lines.some((l) => /entrypoint: no database in .*; initialising it/.test(l));
    const found = lines.some((l) => /entrypoint: PostgreSQL \d+ database found in .*; starting it as it is/.test(l));
    // a fresh run that found a cluster (or the reverse) would measure the other case
    if (expect === "fresh" ? !initialised || found : initialised || !found) {
        throw new Error(`${containerId.slice(0, 12)}: expected a start on ${expect === "fresh" ? "a fresh" : "an existing"} volume, the entrypoint says otherwise`);
    }
    const done = lines.find((l) => /entrypoint: initialisation complete/.test(l))?.split(" ")[0];
    const started = engineTimeMs((await container.inspect()).State.StartedAt);
    return { ...sample, initMs: done !== undefined ? engineTimeMs(done) - started : NaN, returnedMs: sample.polledMs };
}

async function postgresBench(): Promise<void> {
    out();
    out(`PostgreSQL on Docker: the prod plan's PostgresDatabase, ${POSTGRES_IMAGE} (stands in for docker.io/pgvector/pgvector:0.8.0-pg17)`);
    await docker.getImage(POSTGRES_IMAGE).inspect().catch((e: unknown) => {
        throw new Error(`image ${POSTGRES_IMAGE} is not on the engine (tools/engine/build-images.sh builds it): ${messageOf(e)}`);
    });
    progress("rendering the prod plan");
    const pp = postgresSubPlan(await renderStackPlan("prod"));
    for (const name of pp.names) {
        if (!name.startsWith(`${runId}-`)) throw new Error(`plan: ${name} does not carry the prefix ${runId}-; refusing to create it`);
    }
    progress(`plan: ${pp.plan.resources.length} resources (${pp.names.join(", ")})`);
    const realizeOptions = { docker, imageMap: IMAGE_MAP, runLabel: runId, pollMilliseconds: POLL_MS };

    // fresh: network, empty volume and container, each run from nothing
    const fresh: PostgresSample[] = [];
    for (let i = 0; i < RUNS; i++) {
        const realization = await realize(pp.plan, realizeOptions);
        const returnedAt = Date.now();
        live.realizations.add(realization);
        try {
            fresh.push(await postgresSample(realization.containerId(pp.container.name), returnedAt, "fresh"));
        } finally {
            await destroyRealization(realization);
        }
        const s = fresh[fresh.length - 1] as PostgresSample;
        progress(`fresh ${i + 1}/${RUNS}: healthy after ${fmtMs(s.healthyMs)} ms (init done ${fmtMs(s.initMs)} ms, ready ${fmtMs(s.readyMs)} ms, ${s.probes} probe(s))`);
    }

    // existing: one realization, then RUNS replacements of the container on the same volume
    const realization = await realize(pp.plan, realizeOptions);
    live.realizations.add(realization);
    const existing: PostgresSample[] = [];
    const replaceMs: number[] = [];
    try {
        for (let i = 0; i < RUNS; i++) {
            const asked = Date.now();
            const id = await replaceContainer(realization, pp.container);
            const returnedAt = Date.now();
            replaceMs.push(returnedAt - asked);
            const s = await postgresSample(id, returnedAt, "existing");
            existing.push(s);
            progress(`existing ${i + 1}/${RUNS}: healthy after ${fmtMs(s.healthyMs)} ms (ready ${fmtMs(s.readyMs)} ms, ${s.probes} probe(s)); replacement took ${fmtMs(replaceMs[i] as number)} ms`);
        }
    } finally {
        await destroyRealization(realization);
    }

    const hc = pp.container.inputs["healthcheck"] as { interval?: string; startPeriod?: string };
    const cell = (samples: PostgresSample[], key: keyof PostgresSample): string => fmtMs(median(samples.map((s) => s[key])));
    const spread = (samples: PostgresSample[]): string => {
        const [lo, hi] = range(samples.map((s) => s.healthyMs));
        return `${fmtMs(lo)}–${fmtMs(hi)}`;
    };
    out();
    out(`3. PostgreSQL start → healthy, ms after State.StartedAt, median of ${RUNS} (healthcheck: interval ${hc.interval}, start period ${hc.startPeriod}; an authenticated SELECT 1 over TCP)`);
    out(
        table([
            ["volume", "healthy (probe End)", "(min–max)", "realizer returned", "init done", "server ready", "1st probe starts", "probe takes", "probes"],
            ...([["fresh", fresh], ["existing", existing]] as const).map(([k, samples]) => [
                k,
                cell(samples, "healthyMs"),
                spread(samples),
                cell(samples, "returnedMs"),
                k === "fresh" ? cell(samples, "initMs") : "-",
                cell(samples, "readyMs"),
                cell(samples, "firstProbeMs"),
                cell(samples, "probeMs"),
                String(median(samples.map((s) => s.probes))),
            ]),
        ]),
    );
    const [rLo, rHi] = range(replaceMs);
    out(`   fresh: network, empty volume and container realized from nothing each run (initdb, 10-vector.sql, restart); existing: the container replaced on the same volume`);
    out(`   replacement (fast shutdown of the old server, create, start, healthy): median ${fmtMs(median(replaceMs))} ms (${fmtMs(rLo)}–${fmtMs(rHi)})`);
    out(
        `   Docker runs a probe every interval from start, failures inside the start period not counted, so healthy comes at the first ` +
            `interval boundary after the server is ready, plus the probe's own time (sh, cat, psql, a SCRAM authentication).`,
    );
}

// the engine's own label sweep after the bookkeeping's removals, for a create the signal cut short
const interrupted = cleanUpOnSignal(runId, async () => {
    const failures = await cleanup();
    await sleep(500);
    await removeByLabel(docker, runId).catch(() => undefined);
    return failures;
});

void (async () => {
    let code = 0;
    try {
        await main();
    } catch (e) {
        code = 1;
        if (!interrupted()) process.stderr.write(`bench:engine failed: ${e instanceof Error ? e.message : String(e)}\n`);
    } finally {
        const failures = await cleanup();
        for (const f of failures) process.stderr.write(`cleanup: ${f}\n`);
        let left: string[] = [];
        try {
            left = await leftovers();
        } catch (e) {
            left = [`(could not list: ${messageOf(e)})`];
        }
        if (left.length > 0 || failures.length > 0) {
            code = code || 1;
            process.stderr.write(`left behind by ${runId}: ${left.join("; ") || "?"}\n`);
        } else {
            out(`cleanup: nothing named or labelled ${runId} is left on the engine`);
        }
    }
    if (!interrupted()) process.exit(code);
})();
