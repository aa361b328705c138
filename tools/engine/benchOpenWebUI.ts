// npm run bench:openwebui — the REAL Open WebUI (the pinned release, from PyPI; tests/engine/harness.ts
// IMAGE_MAP) with Valkey on the engine DOCKER_HOST names, measured on the main program's stacks dev
// (1 worker, SQLite) and prod (4 workers, PostgreSQL + pgvector, 4096 MB limit) and on the
// two-instance test program:
//   1. Open WebUI start → healthy: State.StartedAt to the first /health answering 200 (polled from the
//      host every 100 ms) and to the End of the first passing probe of the component's healthcheck;
//      BENCH_RUNS realizations of each stack from nothing (fresh volumes).
//   2. sign-in latency (every sign-in counts an attempt in Valkey: routers/auths.py's rate limiter):
//      BENCH_SIGNINS sign-ins rotating over at least 20 users, sequential and BENCH_CONCURRENCY at once.
//   3. Valkey kill -9 (its process, from the host; the restart policy brings the container back):
//      until a sign-in succeeds again, and until Open WebUI's sign-ins are counted in Valkey again.
//   4. a Socket.IO event (channel mute → `events:channel` to the user's room) from instance 1 to a
//      socket on instance 2, beside a socket on instance 1 itself, BENCH_SOCKET_SAMPLES times.
//   5. memory of the Open WebUI container after the sign-in load, and each uvicorn process's RSS.
// Medians with min–max (and p90 where there are many samples). Progress goes to stderr, results to
// stdout. Everything created is named bench-ow-<random>-…, published on 127.0.0.1:3400–3499,
// labelled openwebui-valkey.test-run=bench-ow-<random>, and removed at the end, also on failure or Ctrl-C.

import { randomBytes, randomInt } from "node:crypto";
import * as fs from "node:fs";
import { cpus, loadavg } from "node:os";
import Dockerode from "dockerode";

import { IMAGE_MAP, engine, exec, memoryLimits, planResource, realizablePlan, valkeyCli } from "../../tests/engine/harness";
import { EventSocket, OpenWebUIClient, TEST_PASSWORD, isMuteEvent } from "../../tests/engine/openWebUIClient";
import { renderPlan } from "../../tests/helpers/planCli";
import type { Plan } from "../plan/evaluate";
import { RUN_LABEL_KEY, Realization, realize, removeByLabel } from "../realize/realizer";
import { cleanUpOnSignal, demux, engineTimeMs, median, messageOf, positiveInt, range, sleep, table } from "./benchSupport";

const RUNS = positiveInt("BENCH_RUNS", 3);
const SIGNINS = positiveInt("BENCH_SIGNINS", 200);
const CONCURRENCY = positiveInt("BENCH_CONCURRENCY", 8);
const SOCKET_SAMPLES = positiveInt("BENCH_SOCKET_SAMPLES", 50);
const POLL_MS = 100;
const STACKS = ["dev", "prod"] as const;
type Stack = (typeof STACKS)[number];

/** 15 sign-in attempts per email in 3 minutes (+ the current minute's bucket): each user gets at most 12 in 4 minutes. */
const SIGNIN_BUDGET = 12;
const SIGNIN_WINDOW_MS = 4 * 60_000;
/** Enough users that the sign-in load (and a kill's ~20 polls) needs no new user while it is measured; at least 20. */
const INITIAL_USERS = Math.max(20, Math.ceil((2 * SIGNINS + CONCURRENCY + 20 * RUNS) / SIGNIN_BUDGET));
const KEY_PREFIX = "open-webui"; // REDIS_KEY_PREFIX, the component's default

const runId = `bench-ow-${randomBytes(3).toString("hex")}`;
/** Four ports in 3400–3499: dev, prod, and the two instances. */
const basePort = 3400 + 4 * randomInt(0, 25);
const PORTS = { dev: basePort, prod: basePort + 1, first: basePort + 2, second: basePort + 3 } as const;

let docker: Dockerode | undefined;
const engineClient = (): Dockerode => {
    if (docker === undefined) throw new Error("the engine is not checked yet");
    return docker;
};

const out = (line = ""): void => void process.stdout.write(`${line}\n`);
const progress = (line: string): void => void process.stderr.write(`  · ${line}\n`);
const fmtMs = (ms: number): string => (!Number.isFinite(ms) ? "-" : Math.abs(ms) < 10 ? ms.toFixed(1) : String(Math.round(ms)));
const fmtMb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

// ---------------------------------------------------------------------------------------------
// steps: every piece of work has a name and a time bound, so a failure is one line naming it

let currentStep = "start";

async function step<T>(name: string, timeoutMs: number, action: () => Promise<T>): Promise<T> {
    currentStep = name;
    progress(name);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
        return await Promise.race([action(), timeout]);
    } finally {
        clearTimeout(timer);
    }
}

// ---------------------------------------------------------------------------------------------
// what this run created, for cleanup

const live = { realizations: new Set<Realization>(), sockets: new Set<EventSocket>() };
let cleaning: Promise<string[]> | undefined;

async function destroy(realization: Realization): Promise<void> {
    await realization.destroy();
    live.realizations.delete(realization);
}

/** Closes the sockets and removes everything of this run; returns what could not be removed. Safe to call twice. */
function cleanup(): Promise<string[]> {
    cleaning ??= (async () => {
        for (const s of live.sockets) s.close();
        live.sockets.clear();
        if (docker === undefined) return [];
        const failures: string[] = [];
        for (const r of [...live.realizations]) await destroy(r).catch((e: unknown) => failures.push(`realization: ${messageOf(e)}`));
        // anything labelled with this run that the bookkeeping missed (an interrupted realize)
        await removeByLabel(docker, runId).catch((e: unknown) => failures.push(`sweep by label: ${messageOf(e)}`));
        return failures;
    })();
    return cleaning;
}

async function leftovers(d: Dockerode): Promise<string[]> {
    const found = new Set<string>();
    const byName: Record<string, string[]> = { name: [runId] };
    const byLabel: Record<string, string[]> = { label: [`${RUN_LABEL_KEY}=${runId}`] };
    for (const filters of [byName, byLabel]) {
        for (const c of await d.listContainers({ all: true, filters })) found.add(`container ${c.Names.join(",")}`);
        for (const n of await d.listNetworks({ filters })) found.add(`network ${n.Name}`);
        for (const v of (await d.listVolumes({ filters })).Volumes ?? []) found.add(`volume ${v.Name}`);
    }
    return [...found];
}

// ---------------------------------------------------------------------------------------------
// statistics

interface Summary {
    n: number;
    median: number;
    p90: number;
    min: number;
    max: number;
}

function summarize(values: readonly number[]): Summary {
    const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const [min, max] = range(sorted);
    const p90 = sorted[Math.max(0, Math.ceil(0.9 * sorted.length) - 1)] ?? NaN;
    return { n: sorted.length, median: median(sorted), p90, min, max };
}

/** "median (min–max)" */
function spread(values: readonly number[]): string {
    const s = summarize(values);
    return s.n === 0 ? "-" : `${fmtMs(s.median)} (${fmtMs(s.min)}–${fmtMs(s.max)})`;
}

/** median, p90, max as table cells. */
function percentiles(values: readonly number[]): string[] {
    const s = summarize(values);
    return [fmtMs(s.median), fmtMs(s.p90), fmtMs(s.max)];
}

// ---------------------------------------------------------------------------------------------
// the engine's view of containers and processes

async function inspect(name: string): Promise<Dockerode.ContainerInspectInfo> {
    return engineClient().getContainer(name).inspect();
}

async function containerLog(name: string): Promise<string[]> {
    const raw = (await engineClient().getContainer(name).logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as unknown as Buffer;
    const text = Buffer.isBuffer(raw) ? demux(raw) : { stdout: String(raw), stderr: "" };
    return `${text.stdout}\n${text.stderr}`.split("\n");
}

interface HostProcess {
    pid: number;
    ppid: number;
    cmdline: string;
    rssBytes: number;
}

function hostProcess(pid: number): HostProcess | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
        const rss = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return { pid, ppid, cmdline, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
    } catch {
        return undefined; // gone meanwhile
    }
}

/** A process and all its descendants, as the host's /proc shows them (the engine runs on this host). */
function processTree(root: number): HostProcess[] {
    const all = fs
        .readdirSync("/proc")
        .filter((e) => /^\d+$/.test(e))
        .map((e) => hostProcess(Number(e)))
        .filter((p): p is HostProcess => p !== undefined);
    const tree = all.filter((p) => p.pid === root);
    for (let grew = true; grew; ) {
        grew = false;
        for (const p of all) {
            if (!tree.includes(p) && tree.some((t) => t.pid === p.ppid)) {
                tree.push(p);
                grew = true;
            }
        }
    }
    return tree;
}

// ---------------------------------------------------------------------------------------------
// deployments

interface Deployment {
    stack: Stack;
    port: number;
    realization: Realization;
    openWebUI: string;
    valkey: string;
}

/** Refuses a plan that would create anything not named after this run. */
function checkNames(plan: Plan): void {
    for (const r of plan.resources) {
        const name = r.inputs["name"];
        if (/:(container|network|volume):/.test(r.type) && (typeof name !== "string" || !name.startsWith(`${runId}-`))) {
            throw new Error(`plan: ${r.type} ${String(name)} does not carry the prefix ${runId}-; refusing to create it`);
        }
    }
}

function realizePlan(plan: Plan): Promise<Realization> {
    checkNames(plan);
    return realize(plan, { docker: engineClient(), imageMap: IMAGE_MAP, runLabel: runId, pollMilliseconds: POLL_MS }).then((r) => {
        live.realizations.add(r);
        return r;
    });
}

/** GETs /health every `everyMs` until it answers 200; `stop()` ends it (the result is then NaN). */
function pollHealthEndpoint(port: number, everyMs: number): { firstOkAt: Promise<number>; stop(): void } {
    let stopped = false;
    const firstOkAt = (async () => {
        while (!stopped) {
            try {
                const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
                const at = Date.now();
                await res.arrayBuffer();
                if (res.status === 200) return at;
            } catch {
                // not listening yet
            }
            await sleep(everyMs);
        }
        return NaN;
    })();
    return { firstOkAt, stop: () => void (stopped = true) };
}

interface StartSample {
    /** StartedAt → first 200 of /health polled from the host every 100 ms. */
    healthMs: number;
    /** StartedAt → End of the first passing probe of the container's healthcheck. */
    probeMs: number;
    /** StartedAt → the last worker's "Scheduler worker started", the last step of Open WebUI's lifespan start (uvicorn's own "Application startup complete" is lost: Open WebUI reconfigures logging). */
    workersUpMs: number;
    /** How many workers logged it. */
    workersUp: number;
    /** Whole realize of the stack (network, volumes, Valkey, PostgreSQL, Open WebUI), wall clock. */
    realizeMs: number;
}

interface HealthEntry {
    Start: string;
    End: string;
    ExitCode: number;
}

async function startSample(container: string, healthAt: number, realizeMs: number): Promise<StartSample> {
    const info = await inspect(container);
    const started = engineTimeMs(info.State.StartedAt);
    const probes = ((info.State.Health?.Log ?? []) as unknown as HealthEntry[]).filter((e) => e.ExitCode === 0).map((e) => engineTimeMs(e.End));
    const workersUp = (await containerLog(container))
        .filter((l) => /Scheduler worker started/.test(l))
        .map((l) => engineTimeMs(l.split(" ")[0] as string));
    return {
        healthMs: healthAt - started,
        probeMs: probes.length > 0 ? Math.min(...probes) - started : NaN,
        workersUpMs: workersUp.length > 0 ? Math.max(...workersUp) - started : NaN,
        workersUp: workersUp.length,
        realizeMs,
    };
}

/** The open-webui package the container runs (importlib.metadata), and what GET /api/version answers. */
async function releaseOf(d: Deployment): Promise<string> {
    const r = await exec(engineClient(), d.openWebUI, ["python3", "-c", "import importlib.metadata as m; print(m.version('open-webui'))"]);
    if (r.code !== 0) throw new Error(`python3 in ${d.openWebUI} exited ${r.code}: ${r.stderr.trim()}`);
    const api = await new OpenWebUIClient(d.port).request<{ version?: string }>("GET", "/api/version");
    return `open-webui ${r.stdout.trim()} (GET /api/version: ${String(api.body?.version)})`;
}

/** Realizes a stack from nothing and measures Open WebUI's start on the way. */
async function deploy(stack: Stack): Promise<{ deployment: Deployment; sample: StartSample }> {
    const port = PORTS[stack];
    const plan = realizablePlan(stack, { namePrefix: runId, openWebUIHostPort: port });
    const poll = pollHealthEndpoint(port, POLL_MS);
    const asked = Date.now();
    let realization: Realization;
    try {
        realization = await realizePlan(plan);
    } finally {
        setTimeout(() => poll.stop(), 10_000); // healthy already: /health answers within a poll or two
    }
    const realizeMs = Date.now() - asked;
    const deployment: Deployment = {
        stack,
        port,
        realization,
        openWebUI: String(planResource(plan, "open-webui-container").inputs["name"]),
        valkey: String(planResource(plan, "valkey-container").inputs["name"]),
    };
    return { deployment, sample: await startSample(deployment.openWebUI, await poll.firstOkAt, realizeMs) };
}

// ---------------------------------------------------------------------------------------------
// users: sign-in is rate limited per email, so sign-ins rotate over a pool that grows when needed

class UserPool {
    private readonly users: { email: string; attempts: number[] }[] = [];
    /** Adds run one at a time: two at once could pick the same email. */
    private adding: Promise<void> = Promise.resolve();
    private constructor(
        readonly client: OpenWebUIClient,
        private readonly adminToken: string,
    ) {}

    /** Signs up the admin (the first sign-up) and has it add `size` users with the role "user". */
    static async create(client: OpenWebUIClient, size: number): Promise<UserPool> {
        const admin = await client.signUp(`${runId}-admin@example.com`);
        const pool = new UserPool(client, admin.token);
        for (let i = 0; i < size; i++) await pool.add();
        return pool;
    }

    private add(): Promise<void> {
        this.adding = this.adding.then(() => this.addOne());
        return this.adding;
    }

    private async addOne(): Promise<void> {
        const email = `${runId}-user-${this.users.length}@example.com`;
        const r = await this.client.request("POST", "/api/v1/auths/add", { name: `user ${this.users.length}`, email, password: TEST_PASSWORD, role: "user" }, this.adminToken);
        if (r.status !== 200) throw new Error(`adding user ${email}: ${r.status} ${JSON.stringify(r.body)}`);
        this.users.push({ email, attempts: [] });
    }

    get size(): number {
        return this.users.length;
    }

    /** The user with the fewest recent attempts, its attempt counted; a new user when all are near the limit. */
    async take(): Promise<string> {
        const since = Date.now() - SIGNIN_WINDOW_MS;
        for (const u of this.users) u.attempts = u.attempts.filter((t) => t >= since);
        const fewest = (): { email: string; attempts: number[] } | undefined => [...this.users].sort((a, b) => a.attempts.length - b.attempts.length)[0];
        let user = fewest();
        while (user === undefined || user.attempts.length >= SIGNIN_BUDGET) {
            await this.add();
            user = fewest();
        }
        user.attempts.push(Date.now());
        return user.email;
    }
}

/** One sign-in of the next user: its latency in ms and Open WebUI's status. */
async function timedSignIn(pool: UserPool): Promise<{ ms: number; status: number; doneAt: number }> {
    const email = await pool.take();
    const started = performance.now();
    const r = await pool.client.signInResponse(email);
    return { ms: performance.now() - started, status: r.status, doneAt: Date.now() };
}

interface LoadResult {
    sequential: number[];
    concurrent: number[];
    /** Sign-ins per second with CONCURRENCY at once. */
    concurrentRate: number;
}

async function signInLoad(pool: UserPool): Promise<LoadResult> {
    const okOrThrow = (s: { ms: number; status: number }): number => {
        if (s.status !== 200) throw new Error(`a sign-in answered ${s.status}`);
        return s.ms;
    };
    for (let i = 0; i < CONCURRENCY; i++) okOrThrow(await timedSignIn(pool)); // warm-up, not counted
    const sequential: number[] = [];
    for (let i = 0; i < SIGNINS; i++) sequential.push(okOrThrow(await timedSignIn(pool)));
    const concurrent: number[] = [];
    let next = 0;
    const started = Date.now();
    await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
            while (next++ < SIGNINS) concurrent.push(okOrThrow(await timedSignIn(pool)));
        }),
    );
    return { sequential, concurrent, concurrentRate: (SIGNINS * 1000) / (Date.now() - started) };
}

// ---------------------------------------------------------------------------------------------
// Valkey kill -9

interface KillSample {
    /** kill → the restarted container's State.StartedAt (the engine's restart policy). */
    restartedMs: number;
    /** kill → its healthcheck passing again (seen by a 100 ms inspect poll). */
    healthyMs: number;
    /** kill → the first sign-in answered 200 (polled every 100 ms). */
    signInMs: number;
    /** kill → the first sign-in whose rate-limit attempt was counted in Valkey, with every later one. */
    countedMs: number;
    failedSignIns: number;
    /** The slowest sign-in while Valkey was away. */
    slowestMs: number;
}

/** Valkey's keys of Open WebUI's rate limiter for the emails starting with `stem`, as a set of emails. */
async function countedEmails(valkey: string, stem: string): Promise<Set<string>> {
    const keys = (await valkeyCli(engineClient(), valkey, ["--scan", "--pattern", `${KEY_PREFIX}:ratelimit:${stem}*`])).split("\n").filter((k) => k !== "");
    return new Set(keys.map((k) => k.slice(`${KEY_PREFIX}:ratelimit:`.length, k.lastIndexOf(":"))));
}

/**
 * Kills valkey-server (the container's main process: its command execs it) with SIGKILL from the host,
 * then signs in every 100 ms, each time also with an email that exists nowhere (a probe): the rate
 * limiter counts every attempt in Valkey, and falls back to the worker's memory while it cannot.
 */
async function valkeyKill(d: Deployment, pool: UserPool, run: number): Promise<KillSample> {
    // Docker restarts a container that ran under 10 s with a doubled delay: give it 11 s.
    let before = await inspect(d.valkey);
    const upFor = Date.now() - engineTimeMs(before.State.StartedAt);
    if (upFor < 11_000) await sleep(11_000 - upFor);
    before = await inspect(d.valkey);
    const pid = before.State.Pid;
    const comm = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    if (comm !== "valkey-server") throw new Error(`${d.valkey}'s main process ${pid} is ${comm}, not valkey-server`);

    const stem = `${runId}-probe-${d.stack}-${run}-`;
    const probes: { email: string; doneAt: number }[] = [];
    let signInAt = NaN;
    let healthyAt = NaN;
    let failedSignIns = 0;
    let slowestMs = 0;
    let counted = new Set<string>();
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const deadline = killedAt + 120_000;
    for (let i = 0; ; i++) {
        if (Date.now() > deadline) throw new Error(`Valkey kill ${run}: no sign-in counted in Valkey within 120 s`);
        const tick = Date.now();
        const s = await timedSignIn(pool);
        if (s.status === 200 && Number.isNaN(signInAt)) signInAt = s.doneAt;
        if (s.status !== 200) failedSignIns++;
        if (Number.isNaN(healthyAt)) slowestMs = Math.max(slowestMs, s.ms);
        const email = `${stem}${i}@example.com`;
        await pool.client.signInResponse(email); // 400: no such user; its attempt is what counts
        probes.push({ email, doneAt: Date.now() });
        if (Number.isNaN(healthyAt)) {
            const info = await inspect(d.valkey);
            if (info.State.StartedAt !== before.State.StartedAt && info.State.Health?.Status === "healthy") healthyAt = Date.now();
        } else if (i % 5 === 0) {
            counted = await countedEmails(d.valkey, stem);
            if (counted.has(email) && !Number.isNaN(signInAt)) break;
        }
        await sleep(Math.max(0, POLL_MS - (Date.now() - tick)));
    }
    const after = await inspect(d.valkey);
    if (after.RestartCount <= before.RestartCount) throw new Error(`${d.valkey} was not restarted by the engine after the kill`);
    // the first probe from which on every probe was counted (a probe before the kill would be too)
    let firstCounted = probes.length - 1;
    while (firstCounted > 0 && counted.has((probes[firstCounted - 1] as { email: string }).email)) firstCounted--;
    return {
        restartedMs: engineTimeMs(after.State.StartedAt) - killedAt,
        healthyMs: healthyAt - killedAt,
        signInMs: signInAt - killedAt,
        countedMs: (probes[firstCounted] as { doneAt: number }).doneAt - killedAt,
        failedSignIns,
        slowestMs,
    };
}

// ---------------------------------------------------------------------------------------------
// memory

interface MemorySample {
    /** The container's memory as `docker stats` shows it: cgroup usage minus inactive file cache. */
    usedBytes: number;
    /** The cgroup's usage, page cache included. */
    cgroupBytes: number;
    /** The limit the kernel enforces (NaN: none). */
    limitBytes: number;
    processes: { role: string; pid: number; rssBytes: number }[];
}

async function memoryOf(d: Deployment): Promise<MemorySample> {
    const info = await inspect(d.openWebUI);
    const main = info.State.Pid;
    const stats = (await engineClient().getContainer(d.openWebUI).stats({ stream: false })) as unknown as {
        memory_stats: { usage: number; stats?: Record<string, number> };
    };
    const inactive = stats.memory_stats.stats?.["total_inactive_file"] ?? stats.memory_stats.stats?.["inactive_file"] ?? 0;
    const limit = memoryLimits(main).memory;
    const processes = processTree(main).map((p) => ({
        role: p.pid === main ? "uvicorn main" : /resource_tracker/.test(p.cmdline) ? "resource tracker" : /spawn_main|multiprocessing/.test(p.cmdline) ? "worker" : p.cmdline.slice(0, 40),
        pid: p.pid,
        rssBytes: p.rssBytes,
    }));
    return {
        usedBytes: stats.memory_stats.usage - inactive,
        cgroupBytes: stats.memory_stats.usage,
        limitBytes: limit < 0n || limit > 1n << 50n ? NaN : Number(limit),
        processes,
    };
}

// ---------------------------------------------------------------------------------------------
// Socket.IO between two instances

interface SocketResult {
    /** Request sent on instance 1 → event received by the socket on instance 2. */
    cross: number[];
    /** Same request → event received by the socket on instance 1 (the emitting instance). */
    same: number[];
    /** Same request → its HTTP response. */
    http: number[];
}

async function socketCrossing(): Promise<SocketResult> {
    const plan = await step("render the two-instances plan", 150_000, async () =>
        renderPlan("test", {
            project: "tests/engine/programs/two-instances",
            config: { namePrefix: runId, firstHostPort: PORTS.first, secondHostPort: PORTS.second },
            showSecrets: true,
        }),
    );
    const realization = await step("realize the two-instances program", 15 * 60_000, () => realizePlan(plan));
    try {
        return await step(`Socket.IO: ${SOCKET_SAMPLES} events from instance 1 to both instances`, 5 * 60_000, async () => {
            const first = new OpenWebUIClient(PORTS.first);
            const admin = await first.signUp(`${runId}-admin@example.com`);
            const channel = await first.createChannel(admin.token, "bench");
            const sockets = [await first.connectSocket(admin.token), await new OpenWebUIClient(PORTS.second).connectSocket(admin.token)] as const;
            for (const s of sockets) live.sockets.add(s);
            const result: SocketResult = { cross: [], same: [], http: [] };
            const WARM_UP = 4;
            for (let i = 0; i < SOCKET_SAMPLES + WARM_UP; i++) {
                const muted = i % 2 === 0;
                const sent = Date.now();
                await first.setChannelMuted(admin.token, channel, muted);
                const answered = Date.now();
                const [same, cross] = await Promise.all(sockets.map((s) => s.next("events:channel", isMuteEvent(channel, muted), 10_000, sent)));
                if (i < WARM_UP) continue;
                result.http.push(answered - sent);
                result.same.push((same as { at: number }).at - sent);
                result.cross.push((cross as { at: number }).at - sent);
            }
            for (const s of sockets) s.close();
            return result;
        });
    } finally {
        await step("remove the two-instances program", 3 * 60_000, () => destroy(realization));
    }
}

// ---------------------------------------------------------------------------------------------
// one stack: RUNS starts, then on the last one the sign-in load, memory and the Valkey kills

interface StackResult {
    starts: StartSample[];
    workers: number;
    version?: string;
    users?: number;
    load?: LoadResult;
    memory?: MemorySample;
    kills: KillSample[];
}

async function benchStack(stack: Stack, result: StackResult): Promise<void> {
    let deployment: Deployment | undefined;
    for (let run = 1; run <= RUNS; run++) {
        if (deployment !== undefined) await step(`remove ${stack} (run ${run - 1})`, 3 * 60_000, () => destroy((deployment as Deployment).realization));
        const { deployment: d, sample } = await step(`realize ${stack} from nothing (run ${run}/${RUNS})`, 15 * 60_000, () => deploy(stack));
        deployment = d;
        result.starts.push(sample);
        progress(`${stack} run ${run}: /health 200 after ${fmtMs(sample.healthMs)} ms, healthcheck passed after ${fmtMs(sample.probeMs)} ms`);
    }
    const d = deployment as Deployment;
    const client = new OpenWebUIClient(d.port);
    result.version = await step(`${stack}: the release Open WebUI runs`, 60_000, () => releaseOf(d));
    const env = (await inspect(d.openWebUI)).Config.Env ?? [];
    result.workers = Number(env.find((e) => e.startsWith("UVICORN_WORKERS="))?.split("=")[1] ?? 1);
    const pool = await step(`${stack}: sign up the admin, add ${INITIAL_USERS} users`, 5 * 60_000, () => UserPool.create(client, INITIAL_USERS));
    result.load = await step(`${stack}: ${SIGNINS} sign-ins sequential, ${SIGNINS} with ${CONCURRENCY} at once`, 20 * 60_000, () => signInLoad(pool));
    result.users = pool.size;
    result.memory = await step(`${stack}: memory of ${d.openWebUI}`, 60_000, () => memoryOf(d));
    for (let run = 1; run <= RUNS; run++) {
        const k = await step(`${stack}: kill -9 Valkey (run ${run}/${RUNS})`, 3 * 60_000, () => valkeyKill(d, pool, run));
        result.kills.push(k);
        progress(`${stack} kill ${run}: sign-in ok after ${fmtMs(k.signInMs)} ms, counted in Valkey after ${fmtMs(k.countedMs)} ms, ${k.failedSignIns} failed`);
    }
    result.users = pool.size;
    await step(`remove ${stack}`, 3 * 60_000, () => destroy(d.realization));
}

// ---------------------------------------------------------------------------------------------
// report

const results: { header?: string[]; stacks: Partial<Record<Stack, StackResult>>; sockets?: SocketResult } = { stacks: {} };

function report(): void {
    const stacks = STACKS.filter((s) => results.stacks[s] !== undefined).map((s) => [s, results.stacks[s] as StackResult] as const);
    if (results.header === undefined || stacks.length === 0) return;
    for (const line of results.header) out(line);
    const label = ([s, r]: readonly [Stack, StackResult]): string => `${s} (${r.workers} worker${r.workers === 1 ? "" : "s"}, ${s === "dev" ? "SQLite" : "PostgreSQL"})`;

    out();
    out(`1. Open WebUI start → healthy, ms after the container's State.StartedAt, median (min–max) of ${RUNS} realizations from nothing`);
    out(
        table([
            ["stack", "/health 200 (100 ms poll)", "healthcheck passes", "all workers up", "realize, whole stack"],
            ...stacks.map((e) => {
                const st = e[1].starts;
                return [label(e), spread(st.map((s) => s.healthMs)), spread(st.map((s) => s.probeMs)), spread(st.map((s) => s.workersUpMs)), spread(st.map((s) => s.realizeMs))];
            }),
        ]),
    );
    out("   healthcheck: the component's curl of /health every 5 s (Docker runs the first probe one interval after start); all workers up: the last");
    out(`   "Scheduler worker started" in the log (the end of Open WebUI's lifespan start; workers seen: ${stacks.map(([s, r]) => `${s} ${median(r.starts.map((x) => x.workersUp))}`).join(", ")}).`);
    out("   A fresh volume each run: SQLite or PostgreSQL migrated by the first start; prod's entrypoint seeds the database before the workers fork.");
    out(`   Installed package: ${stacks.map(([s, r]) => `${s} ${r.version ?? "?"}`).join(", ")}; load average now ${loadavg().map((l) => l.toFixed(2)).join(" ")}.`);

    const loaded = stacks.filter(([, r]) => r.load !== undefined);
    if (loaded.length > 0) {
        out();
        out(`2. Sign-in latency, ms (POST /api/v1/auths/signin; each attempt counted in Valkey by the rate limiter), ${SIGNINS} sign-ins each`);
        out(
            table([
                ["stack", "users", "sequential median", "p90", "max", `${CONCURRENCY} at once median`, "p90", "max", "sign-ins/s"],
                ...loaded.map((e) => {
                    const l = e[1].load as LoadResult;
                    return [label(e), String(e[1].users ?? "-"), ...percentiles(l.sequential), ...percentiles(l.concurrent), l.concurrentRate.toFixed(1)];
                }),
            ]),
        );
    }

    const killed = stacks.filter(([, r]) => r.kills.length > 0);
    if (killed.length > 0) {
        out();
        out(`3. Valkey kill -9 (valkey-server killed from the host; restart policy unless-stopped), ms after the kill, median (min–max) of ${killed[0]?.[1].kills.length} kills`);
        out(
            table([
                ["stack", "container restarted", "Valkey healthy", "sign-in 200", "sign-ins counted in Valkey", "failed sign-ins", "slowest sign-in meanwhile"],
                ...killed.map((e) => {
                    const k = e[1].kills;
                    return [
                        label(e),
                        spread(k.map((s) => s.restartedMs)),
                        spread(k.map((s) => s.healthyMs)),
                        spread(k.map((s) => s.signInMs)),
                        spread(k.map((s) => s.countedMs)),
                        String(k.reduce((n, s) => n + s.failedSignIns, 0)),
                        spread(k.map((s) => s.slowestMs)),
                    ];
                }),
            ]),
        );
        out("   sign-in polled every 100 ms; counted in Valkey: the first of an unbroken run of probe sign-ins (an unknown email) whose");
        out("   rate-limit key is in Valkey afterwards. Open WebUI's rate limiter falls back to the worker's memory when Valkey fails,");
        out("   so a sign-in does not fail while Valkey is away: it waits for the failed Valkey call (the slowest sign-in), then succeeds.");
    }

    if (results.sockets !== undefined) {
        const s = results.sockets;
        out();
        out(`4. Socket.IO event (channel mute → events:channel to the user's room), ms after the request was sent, ${s.cross.length} events`);
        out(
            table([
                ["received by a socket on", "median", "p90", "max"],
                ["instance 2 (other instance)", ...percentiles(s.cross)],
                ["instance 1 (emitting instance)", ...percentiles(s.same)],
                ["(HTTP response to the request)", ...percentiles(s.http)],
            ]),
        );
        out("   two-instances program: two Open WebUI containers, 1 worker each, one Valkey, one PostgreSQL; WEBSOCKET_MANAGER=redis,");
        out("   so the event goes through Valkey's pub/sub to both instances, the emitting one included.");
    }

    const measured = stacks.filter(([, r]) => r.memory !== undefined);
    if (measured.length > 0) {
        out();
        out(`5. Open WebUI memory after the sign-in load, MB`);
        out(
            table([
                ["stack", "container used", "cgroup incl. cache", "limit", "used of limit", "processes (RSS)", "RSS sum"],
                ...measured.map((e) => {
                    const m = e[1].memory as MemorySample;
                    const rss = m.processes.reduce((n, p) => n + p.rssBytes, 0);
                    return [
                        label(e),
                        fmtMb(m.usedBytes),
                        fmtMb(m.cgroupBytes),
                        Number.isNaN(m.limitBytes) ? "none" : fmtMb(m.limitBytes),
                        Number.isNaN(m.limitBytes) ? "-" : `${((100 * m.usedBytes) / m.limitBytes).toFixed(1)} %`,
                        m.processes.map((p) => `${p.role} ${fmtMb(p.rssBytes)}`).join(", "),
                        fmtMb(rss),
                    ];
                }),
            ]),
        );
        const prod = results.stacks.prod?.memory;
        const workers = prod?.processes.filter((p) => p.role === "worker") ?? [];
        if (prod !== undefined && workers.length > 0 && !Number.isNaN(prod.limitBytes)) {
            const perWorker = median(workers.map((p) => p.rssBytes));
            out(
                `   prod: ${workers.length} workers of ${fmtMb(perWorker)} MB RSS each (median); the container uses ${fmtMb(prod.usedBytes)} of ${fmtMb(prod.limitBytes)} MB, ` +
                    `${fmtMb(prod.limitBytes - prod.usedBytes)} MB left, room for about ${Math.floor((prod.limitBytes - prod.usedBytes) / perWorker)} more workers of that size at idle.`,
            );
        }
        out("   used: cgroup usage minus inactive file cache (as docker stats); RSS: VmRSS of each process in /proc (shared pages counted in each).");
    }
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<void> {
    const d = await step("check the engine and the test images", 30_000, () => engine());
    docker = d;
    const version = await step("engine version", 30_000, () => d.version());
    const image = await step(`inspect ${IMAGE_MAP["ghcr.io/open-webui/open-webui:v0.12.4"]}`, 30_000, () => d.getImage(IMAGE_MAP["ghcr.io/open-webui/open-webui:v0.12.4"]).inspect());
    const release = image.Config.Labels?.["org.opencontainers.image.version"] ?? "?";
    const load = loadavg().map((l) => l.toFixed(2)).join(" ");
    progress(`run ${runId}, ports ${PORTS.dev}–${PORTS.second}, ${RUNS} run(s) per stack`);

    results.header = [
        `Open WebUI ${release} (${IMAGE_MAP["ghcr.io/open-webui/open-webui:v0.12.4"]}: the release from PyPI) with Valkey 8.0.1, on Docker ${version.Version}`,
        `host: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "?"}), load average ${load} at the start; ${RUNS} run(s) per start and kill figure`,
    ];
    for (const stack of STACKS) {
        const result: StackResult = { starts: [], workers: 1, kills: [] };
        results.stacks[stack] = result;
        await benchStack(stack, result);
    }
    results.sockets = await socketCrossing();
}

const interrupted = cleanUpOnSignal(runId, cleanup);

void (async () => {
    let code = 0;
    try {
        await main();
    } catch (e) {
        code = 1;
        if (!interrupted()) process.stderr.write(`bench:openwebui failed at "${currentStep}": ${messageOf(e).split("\n")[0]?.slice(0, 400)}\n`);
    }
    report();
    if (docker !== undefined) {
        const d = docker;
        const failures = await Promise.race([cleanup(), sleep(5 * 60_000).then(() => ["cleanup took over 5 minutes"])]);
        for (const f of failures) process.stderr.write(`cleanup: ${f}\n`);
        const left = await leftovers(d).catch((e: unknown) => [`(could not list: ${messageOf(e)})`]);
        if (left.length > 0 || failures.length > 0) {
            code = code || 1;
            process.stderr.write(`left behind by ${runId}: ${left.join("; ") || "?"}\n`);
        } else if (code === 0) {
            out();
            out(`cleanup: nothing named or labelled ${runId} is left on the engine`);
        } else {
            process.stderr.write(`cleanup: nothing named or labelled ${runId} is left on the engine\n`);
        }
    }
    if (!interrupted()) process.exit(code);
})();
