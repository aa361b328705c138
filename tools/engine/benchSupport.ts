// Helpers of tools/engine/bench.ts: the Valkey part of a plan, engine timestamps, exec with
// captured output, valkey-benchmark's CSV and small statistics.

import { PassThrough } from "node:stream";
import Dockerode from "dockerode";

import { Plan, PlanResource, RESOURCE_TYPES, parsePlan } from "../realize/plan";

// ---------------------------------------------------------------------------------------------
// plan

interface RawResource {
    urn: string;
    type: string;
    parent?: string | null;
    options?: { dependsOn?: string[] } | null;
}

export interface ValkeyPlan {
    /** The ValkeyCache component, its descendants and its ancestors (the stack); nothing else. */
    plan: Plan;
    container: PlanResource;
    containerName: string;
    networkName: string;
    /** The container's first network alias (what Open WebUI connects to). */
    alias: string;
    volumeName: string;
    password: string;
}

/** The resources of a rendered plan, or a clear error when the document is not one. */
function planResources(document: unknown): RawResource[] {
    const doc = document as { resources?: unknown };
    if (typeof document !== "object" || document === null || !Array.isArray(doc.resources)) {
        throw new Error("plan: the document has no resources list");
    }
    return doc.resources as RawResource[];
}

/** Cuts a rendered plan down to the ValkeyCache component and what it owns. */
export function valkeySubPlan(document: unknown): ValkeyPlan {
    const resources = planResources(document);
    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    const caches = resources.filter((r) => r.type === RESOURCE_TYPES.valkeyCache);
    if (caches.length !== 1) throw new Error(`plan: expected one ${RESOURCE_TYPES.valkeyCache}, found ${caches.length}`);
    const cache = caches[0] as RawResource;

    const keep = new Set<string>([cache.urn]);
    for (let grew = true; grew; ) {
        grew = false;
        for (const r of resources) {
            if (!keep.has(r.urn) && typeof r.parent === "string" && keep.has(r.parent)) {
                keep.add(r.urn);
                grew = true;
            }
        }
    }
    for (let parent = cache.parent ?? null; parent !== null; parent = byUrn.get(parent)?.parent ?? null) keep.add(parent);

    const kept = resources.filter((r) => keep.has(r.urn));
    for (const r of kept) {
        for (const dep of r.options?.dependsOn ?? []) {
            if (!keep.has(dep)) throw new Error(`plan: ${r.urn} depends on ${dep}, which is outside the ValkeyCache`);
        }
    }
    const plan = parsePlan({ ...(document as object), resources: kept, outputs: {} });

    const containers = plan.resources.filter((r) => r.type === RESOURCE_TYPES.container);
    if (containers.length !== 1) throw new Error(`plan: expected one container in the ValkeyCache, found ${containers.length}`);
    const container = containers[0] as PlanResource;
    const inputs = container.inputs;

    const containerName = inputs["name"];
    if (typeof containerName !== "string") throw new Error("plan: the Valkey container has no name");
    const networks = (inputs["networksAdvanced"] ?? []) as { name?: string; aliases?: string[] }[];
    const network = networks[0];
    if (network === undefined || typeof network.name !== "string") throw new Error("plan: the Valkey container joins no network");
    const volumes = (inputs["volumes"] ?? []) as { volumeName?: string; containerPath?: string }[];
    const data = volumes.find((v) => v.containerPath === "/data");
    if (data === undefined || typeof data.volumeName !== "string") throw new Error("plan: the Valkey container has no /data volume");
    const envs = (inputs["envs"] ?? []) as string[];
    const auth = envs.find((e) => e.startsWith("REDISCLI_AUTH="));
    if (auth === undefined) throw new Error("plan: the Valkey container has no REDISCLI_AUTH (password)");

    return {
        plan,
        container,
        containerName,
        networkName: network.name,
        alias: network.aliases?.[0] ?? containerName,
        volumeName: data.volumeName,
        password: auth.slice("REDISCLI_AUTH=".length),
    };
}

export interface PostgresPlan {
    /** The PostgresDatabase, its descendants, what they depend on (the network) and their ancestors. */
    plan: Plan;
    container: PlanResource;
    containerName: string;
    networkName: string;
    volumeName: string;
    /** Docker names of every network, volume and container the sub-plan creates. */
    names: string[];
}

/**
 * Cuts a rendered plan down to the PostgresDatabase and what it needs to run: its own children and
 * the network it joins (a ValkeyCache's, whose component node comes along but creates nothing).
 */
export function postgresSubPlan(document: unknown): PostgresPlan {
    const resources = planResources(document);
    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    const databases = resources.filter((r) => r.type === RESOURCE_TYPES.postgresDatabase);
    if (databases.length !== 1) throw new Error(`plan: expected one ${RESOURCE_TYPES.postgresDatabase}, found ${databases.length}`);

    const keep = new Set<string>([(databases[0] as RawResource).urn]);
    // its descendants first; then, for everything kept, what it depends on and its ancestors (only:
    // the stack is an ancestor of all, and its other children stay out)
    for (let grew = true; grew; ) {
        grew = false;
        for (const r of resources) {
            if (!keep.has(r.urn) && typeof r.parent === "string" && keep.has(r.parent)) {
                keep.add(r.urn);
                grew = true;
            }
        }
    }
    for (let grew = true; grew; ) {
        grew = false;
        for (const urn of [...keep]) {
            const r = byUrn.get(urn) as RawResource;
            for (const next of [r.parent, ...(r.options?.dependsOn ?? [])]) {
                if (typeof next === "string" && !keep.has(next) && byUrn.has(next)) {
                    keep.add(next);
                    grew = true;
                }
            }
        }
    }
    const kept = resources.filter((r) => keep.has(r.urn));
    const plan = parsePlan({ ...(document as object), resources: kept, outputs: {} });
    const containers = plan.resources.filter((r) => r.type === RESOURCE_TYPES.container);
    if (containers.length !== 1) throw new Error(`plan: expected only the PostgreSQL container, found ${containers.map((c) => c.name).join(", ")}`);
    const container = containers[0] as PlanResource;
    const inputs = container.inputs;
    const containerName = inputs["name"];
    if (typeof containerName !== "string") throw new Error("plan: the PostgreSQL container has no name");
    const network = ((inputs["networksAdvanced"] ?? []) as { name?: string }[])[0];
    if (network === undefined || typeof network.name !== "string") throw new Error("plan: the PostgreSQL container joins no network");
    const data = ((inputs["volumes"] ?? []) as { volumeName?: string; containerPath?: string }[]).find((v) => v.containerPath === "/var/lib/postgresql/data");
    if (data === undefined || typeof data.volumeName !== "string") throw new Error("plan: the PostgreSQL container has no data volume");
    const names = plan.resources
        .filter((r) => r.type === RESOURCE_TYPES.network || r.type === RESOURCE_TYPES.volume || r.type === RESOURCE_TYPES.container)
        .map((r) => String(r.inputs["name"]));
    return { plan, container, containerName, networkName: network.name, volumeName: data.volumeName, names };
}

// ---------------------------------------------------------------------------------------------
// time

/** An engine timestamp (RFC 3339 with nanoseconds) in epoch milliseconds, keeping the fraction. */
export function engineTimeMs(stamp: string): number {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
    if (m === null) throw new Error(`not an engine timestamp: ${stamp}`);
    const whole = Date.parse(`${m[1]}${m[3]}`);
    if (Number.isNaN(whole)) throw new Error(`not an engine timestamp: ${stamp}`);
    return whole + (m[2] !== undefined ? Number(`0.${m[2]}`) * 1000 : 0);
}

/** A benchmark setting from the environment (BENCH_RUNS, ...): a positive whole number, or the default. */
export function positiveInt(name: string, fallback: number): number {
    const raw = process.env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
    return n;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// engine

export function statusOf(error: unknown): number | undefined {
    return typeof error === "object" && error !== null ? (error as { statusCode?: number }).statusCode : undefined;
}

export function messageOf(error: unknown): string {
    if (typeof error === "object" && error !== null) {
        const e = error as { json?: { message?: string } | null; message?: string };
        if (typeof e.json?.message === "string" && e.json.message !== "") return e.json.message;
        if (typeof e.message === "string") return e.message;
    }
    return String(error);
}

/** Splits Docker's multiplexed (non-tty) stream format into stdout and stderr. */
export function demux(data: Buffer): { stdout: string; stderr: string } {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let offset = 0;
    while (offset + 8 <= data.length) {
        const stream = data[offset];
        const size = data.readUInt32BE(offset + 4);
        if (offset + 8 + size > data.length) break;
        (stream === 2 ? err : out).push(data.subarray(offset + 8, offset + 8 + size));
        offset += 8 + size;
    }
    if (offset !== data.length) return { stdout: data.toString("utf8"), stderr: "" };
    return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command in a running container and returns its exit code and output. */
export async function execIn(docker: Dockerode, containerId: string, cmd: string[]): Promise<ExecResult> {
    const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on("data", (chunk: Buffer) => out.push(chunk));
    stderr.on("data", (chunk: Buffer) => err.push(chunk));
    docker.modem.demuxStream(stream, stdout, stderr);
    await new Promise<void>((resolve, reject) => {
        stream.on("end", () => resolve());
        stream.on("close", () => resolve());
        stream.on("error", reject);
    });
    let info = await exec.inspect();
    for (let i = 0; info.Running && i < 100; i++) {
        await sleep(20);
        info = await exec.inspect();
    }
    return { code: info.ExitCode ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

/**
 * Inspects a container every `periodMs` until its health is `healthy`; returns the wall clock
 * (epoch ms) of the first inspect that saw it. A container that does not exist yet is waited for.
 */
export async function pollHealthy(
    docker: Dockerode,
    name: string,
    periodMs: number,
    timeoutMs: number,
    cancelled: () => boolean,
): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (cancelled()) throw new Error(`${name}: health poll cancelled`);
        try {
            const info = await docker.getContainer(name).inspect();
            const now = Date.now();
            const health = info.State.Health?.Status;
            if (health === "healthy") return now;
            if (health === "unhealthy") throw new Error(`${name}: unhealthy`);
            if (info.State.Status === "exited" || info.State.Status === "dead") throw new Error(`${name}: ${info.State.Status} (exit ${info.State.ExitCode})`);
        } catch (e) {
            if (statusOf(e) !== 404) throw e;
        }
        if (Date.now() >= deadline) throw new Error(`${name}: not healthy within ${timeoutMs} ms`);
        await sleep(periodMs);
    }
}

// ---------------------------------------------------------------------------------------------
// valkey-benchmark

export interface BenchRow {
    rps: number;
    p50Ms: number;
}

/** `valkey-benchmark --csv` output: a header line, then one quoted row per test. */
export function parseBenchmarkCsv(text: string): Record<string, BenchRow> {
    const rows = text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.startsWith('"'))
        .map((line) => line.split(",").map((cell) => cell.replace(/^"|"$/g, "")));
    const header = rows.find((r) => r[0] === "test");
    if (header === undefined) throw new Error(`valkey-benchmark printed no CSV header:\n${text}`);
    const rpsAt = header.indexOf("rps");
    const p50At = header.indexOf("p50_latency_ms");
    if (rpsAt < 0) throw new Error(`valkey-benchmark CSV has no rps column: ${header.join(",")}`);
    const out: Record<string, BenchRow> = {};
    for (const row of rows) {
        if (row === header || row[0] === "test" || row[0] === undefined) continue;
        out[row[0]] = { rps: Number(row[rpsAt]), p50Ms: p50At >= 0 ? Number(row[p50At]) : NaN };
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// statistics and formatting

export function median(values: readonly number[]): number {
    const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    if (sorted.length === 0) return NaN;
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function range(values: readonly number[]): [number, number] {
    const finite = values.filter((v) => Number.isFinite(v));
    return [Math.min(...finite), Math.max(...finite)];
}

export function table(rows: readonly (readonly string[])[]): string {
    const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
    return rows
        .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ").trimEnd())
        .join("\n");
}

/**
 * On Ctrl-C or SIGTERM, removes what the run created (once), reports what could not be removed and
 * exits with 130. Returns whether a signal came, so the normal ending neither reports nor exits.
 */
export function cleanUpOnSignal(runId: string, cleanup: () => Promise<string[]>): () => boolean {
    let interrupted = false;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.on(signal, () => {
            if (interrupted) return;
            interrupted = true;
            process.stderr.write(`\n${signal}: removing what ${runId} created\n`);
            void cleanup()
                .then((failures) => {
                    for (const f of failures) process.stderr.write(`cleanup: ${f}\n`);
                })
                .finally(() => process.exit(130));
        });
    }
    return () => interrupted;
}
