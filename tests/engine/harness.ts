// What the engine tests share: the engine client, realized stacks, exec into containers, the
// server's process as the host sees it, and a raw Redis-protocol client for connection tests.
import * as fs from "fs";
import * as net from "net";
import { PassThrough } from "stream";
import Dockerode from "dockerode";
import type { Plan, PlanResource } from "../../tools/plan/evaluate";
import { Realization, realize, removeByLabel } from "../../tools/realize/realizer";
import { renderPlan } from "../helpers/planCli";

/** Test images stand in for the upstream ones, only through this explicit mapping. */
export const IMAGE_MAP = {
    "docker.io/valkey/valkey:8.0.1-alpine": "openwebui-valkey-test/valkey:8.0.1",
    // The same release from PyPI, laid out like the official image (tools/engine/README.md)
    "ghcr.io/open-webui/open-webui:v0.12.4": "openwebui-valkey-test/open-webui:0.12.4",
    // PostgreSQL 17 + pgvector 0.8 from Debian trixie, laid out like the upstream image (tools/engine/README.md)
    "docker.io/pgvector/pgvector:0.8.0-pg17": "openwebui-valkey-test/postgres-pgvector:17",
} as const;
export const CONTAINER = "docker:index/container:Container";

const ENGINE_ENV = "/tmp/openwebui-valkey-engine/env";

/** The engine `tools/engine/docker-up.sh` started (or DOCKER_HOST's); fails with the fix when there is none. */
export async function engine(): Promise<Dockerode> {
    if (!process.env.DOCKER_HOST && fs.existsSync(ENGINE_ENV)) {
        const m = /DOCKER_HOST=(\S+)/.exec(fs.readFileSync(ENGINE_ENV, "utf8"));
        if (m) process.env.DOCKER_HOST = m[1].replace(/^["']|["']$/g, "");
    }
    const docker = new Dockerode();
    try {
        // bounded: a socket that accepts but never answers must not hang the suite
        await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error("no answer within 15 s")), 15_000).unref())]);
    } catch (e) {
        throw new Error(
            `no Docker engine answers (${(e as Error).message}). Start one and build the test images: ` +
                "`npm run engine:up && . /tmp/openwebui-valkey-engine/env && npm run engine:images` (as root), or run `bash .ci/run`",
        );
    }
    for (const image of Object.values(IMAGE_MAP)) {
        try {
            await docker.getImage(image).inspect();
        } catch {
            throw new Error(`test image ${image} is missing: run \`npm run engine:images\``);
        }
    }
    return docker;
}

/** Every engine test's run label starts with this, so the suite's teardown finds all leftovers. */
export const TEST_LABEL_PREFIX = "engine-test-";

/** The id of this `jest` run (set by tests/engine/setup.ts), so its teardown removes only its own leftovers. */
export function testRunId(): string {
    return process.env.OPENWEBUI_VALKEY_TEST_RUN ?? "local";
}

/** A unique run label per test file, so a crashed run's leftovers can be found and removed. */
export function runLabel(name: string): string {
    return `${TEST_LABEL_PREFIX}${name}-r${testRunId()}-${process.pid}-${Date.now().toString(36)}`;
}

/** Whether a run label belongs to this jest run's engine tests. */
export function isThisRunsLabel(label: string | undefined): boolean {
    return label !== undefined && label.startsWith(TEST_LABEL_PREFIX) && label.includes(`-r${testRunId()}-`);
}

/**
 * Config every engine test adds: the engine gives containers no route off the host, so Open WebUI
 * runs as a user without internet would run it (no model hub, no update check).
 */
export const ENGINE_CONFIG = { openWebUIOfflineMode: true } as const;

/** The stack's plan with secrets shown (the realizer needs them), with `--config` overrides. */
export function realizablePlan(stack: string, config: Record<string, string | number | boolean> = {}): Plan {
    return renderPlan(stack, { config: { ...ENGINE_CONFIG, ...config }, showSecrets: true });
}

export async function realizeStack(docker: Dockerode, label: string, stack: string, config: Record<string, string | number | boolean> = {}) {
    const plan = realizablePlan(stack, config);
    const realization = await realize(plan, { docker, imageMap: IMAGE_MAP, runLabel: label });
    return { plan, realization };
}

/**
 * One test file's hold on the engine: the client, its run label, and what it realized; registers
 * the beforeAll that checks the engine and the afterAll that removes everything, failed or not.
 */
export interface EngineSession {
    readonly docker: Dockerode;
    readonly label: string;
    readonly realizations: Realization[];
}

export function engineSession(name: string): EngineSession {
    let docker: Dockerode | undefined;
    const session: EngineSession = {
        get docker() {
            if (!docker) throw new Error("the engine is not ready yet: use the session inside tests or hooks");
            return docker;
        },
        label: runLabel(name),
        realizations: [],
    };
    beforeAll(async () => {
        docker = await engine();
    });
    afterAll(async () => {
        if (docker) await cleanUp(docker, session.label, session.realizations);
    });
    return session;
}

/** Removes everything the label marks: after a failure as after success. */
export async function cleanUp(docker: Dockerode, label: string, realizations: Realization[] = []): Promise<void> {
    for (const r of realizations) {
        await r.destroy().catch(() => undefined);
    }
    await removeByLabel(docker, label);
}

export function planResource(plan: Plan, name: string, type = CONTAINER): PlanResource {
    const found = plan.resources.find((r) => r.name === name && r.type === type);
    if (!found) throw new Error(`plan has no ${type} ${name}`);
    return found;
}

export function envOf(resource: PlanResource): Record<string, string> {
    return Object.fromEntries(((resource.inputs.envs as string[]) ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** A file the plan uploads into a container (secrets shown: the plan is rendered with them). */
export interface PlanUpload {
    file: string;
    content: string;
    permissions?: string;
    owner?: string;
    group?: string;
}

export function uploadOf(plan: Plan, resourceName: string, file: string): PlanUpload {
    const uploads = (planResource(plan, resourceName).inputs.uploads ?? []) as PlanUpload[];
    const found = uploads.find((u) => u.file === file);
    if (found === undefined) throw new Error(`${resourceName} uploads no ${file}`);
    return found;
}

/** The value of a `NAME='value'` line of a shell environment file, unquoted as `.` would. */
export function shellValue(text: string, name: string): string {
    const line = text.split("\n").find((l) => l.startsWith(`${name}=`));
    if (line === undefined) throw new Error(`no ${name} in the file`);
    const quoted = /^'(.*)'$/.exec(line.slice(name.length + 1));
    if (quoted === null) throw new Error(`${name} is not single-quoted`);
    return (quoted[1] as string).replace(/'\\''/g, "'");
}

/** Where Open WebUI's secrets (URLs with passwords, the secret key) are uploaded, read by its entrypoint. */
export const OPEN_WEBUI_SECRETS_FILE = "/run/open-webui/secrets.env";

/** Runs a command in a container; returns its exit code and output. */
export async function exec(docker: Dockerode, container: string, cmd: string[], env: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
    const e = await docker.getContainer(container).exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
    const stream = await e.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
    out.on("data", (c: Buffer) => chunks.out.push(c));
    err.on("data", (c: Buffer) => chunks.err.push(c));
    docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
            stream.destroy();
            reject(new Error(`exec ${cmd.join(" ")} in ${container}: no end after 30 s`));
        }, 30_000);
        stream.on("end", () => {
            clearTimeout(timer);
            resolve();
        });
        stream.on("error", (e: Error) => {
            clearTimeout(timer);
            reject(e);
        });
    });
    const info = await e.inspect();
    return { code: info.ExitCode ?? -1, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

/** `valkey-cli` inside the Valkey container, authenticated by the container's own REDISCLI_AUTH unless `env` overrides it. */
export async function valkeyCli(docker: Dockerode, container: string, args: string[], env: string[] = []): Promise<string> {
    const r = await exec(docker, container, ["valkey-cli", ...args], env);
    return (r.stdout + r.stderr).trim();
}

export async function inspect(docker: Dockerode, container: string) {
    return docker.getContainer(container).inspect();
}

export async function healthOf(docker: Dockerode, container: string): Promise<string> {
    return (await inspect(docker, container)).State.Health?.Status ?? "none";
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, everyMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

export function waitForHealth(docker: Dockerode, container: string, status: "healthy" | "unhealthy", timeoutMs: number): Promise<string> {
    return waitFor(`${container} to be ${status}`, timeoutMs, async () => ((await healthOf(docker, container)) === status ? status : undefined));
}

/** How a container ended: its exit code (from the engine's `die` event) and what it logged meanwhile. */
export interface Exit {
    code: number;
    logs: string;
}

/**
 * Follows a container's log and its `die` event from now on, to read how it ended after it is
 * removed (a replacement removes it). Call the returned function once it is stopping.
 */
export async function watchExit(docker: Dockerode, id: string): Promise<() => Promise<Exit>> {
    const since = Math.floor(Date.now() / 1000) - 1;
    const logStream = (await docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, since })) as unknown as NodeJS.ReadableStream;
    const chunks: Buffer[] = [];
    logStream.on("data", (c: Buffer) => chunks.push(c));
    const logsEnded = new Promise<void>((resolve) => logStream.on("end", () => resolve()));
    const events = (await docker.getEvents({ filters: { container: [id], event: ["die"] } })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    const died = new Promise<number>((resolve) =>
        events.on("data", (raw: Buffer) => {
            for (const line of raw.toString("utf8").split("\n").filter(Boolean)) {
                const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
                resolve(Number(event.Actor?.Attributes?.exitCode));
            }
        }),
    );
    return async () => {
        const code = await Promise.race([died, new Promise<number>((_, reject) => setTimeout(() => reject(new Error("no die event within 60 s")), 60_000))]);
        events.destroy();
        await Promise.race([logsEnded, new Promise((r) => setTimeout(r, 5000))]);
        return { code, logs: Buffer.concat(chunks).toString("utf8") };
    };
}

/** The main process of a container as the host's kernel reports it. */
export interface HostProcess {
    pid: number;
    status: Record<string, string>;
    limits: string;
}

export async function mainProcess(docker: Dockerode, container: string): Promise<HostProcess> {
    const pid = (await inspect(docker, container)).State.Pid;
    const status = Object.fromEntries(
        fs
            .readFileSync(`/proc/${pid}/status`, "utf8")
            .split("\n")
            .filter((l) => l.includes(":"))
            .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
    );
    return { pid, status, limits: fs.readFileSync(`/proc/${pid}/limits`, "utf8") };
}

/**
 * The memory limits the kernel enforces on a process, from its memory cgroup: `memory` in bytes
 * and `memoryAndSwap` (memory plus swap) in bytes, or undefined where the kernel has no swap
 * accounting. cgroup v1 (memory.limit_in_bytes, memory.memsw.limit_in_bytes) or v2 (memory.max,
 * memory.max + memory.swap.max).
 */
export function memoryLimits(pid: number): { memory: bigint; memoryAndSwap?: bigint } {
    const lines = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
    const number = (file: string): bigint | undefined => {
        if (!fs.existsSync(file)) return undefined;
        const text = fs.readFileSync(file, "utf8").trim();
        return text === "max" ? -1n : BigInt(text);
    };
    const v1 = lines.find((l) => /^\d+:memory:/.test(l));
    if (v1 !== undefined) {
        const dir = `/sys/fs/cgroup/memory${v1.slice(v1.indexOf(":memory:") + ":memory:".length)}`;
        const memory = number(`${dir}/memory.limit_in_bytes`);
        if (memory === undefined) throw new Error(`no memory.limit_in_bytes in ${dir}`);
        return { memory, memoryAndSwap: number(`${dir}/memory.memsw.limit_in_bytes`) };
    }
    const v2 = lines.find((l) => l.startsWith("0::"));
    if (v2 === undefined) throw new Error(`process ${pid} is in no memory cgroup`);
    const dir = `/sys/fs/cgroup${v2.slice(3)}`;
    const memory = number(`${dir}/memory.max`);
    if (memory === undefined) throw new Error(`no memory.max in ${dir}`);
    const swap = number(`${dir}/memory.swap.max`);
    return { memory, memoryAndSwap: swap === undefined || swap < 0n || memory < 0n ? swap : memory + swap };
}

/** The soft and hard values of one line of /proc/<pid>/limits, e.g. "Max open files". */
export function limit(limits: string, name: string): [string, string] {
    const line = limits.split("\n").find((l) => l.startsWith(name));
    if (!line) throw new Error(`no ${name} in limits`);
    const parts = line.slice(name.length).trim().split(/\s+/);
    return [parts[0], parts[1]];
}

/** Capability bit numbers (linux/capability.h) of the ones this project names. */
export const CAP_BITS = { DAC_OVERRIDE: 1, SETGID: 6, SETUID: 7 } as const;
export function capabilityMask(names: Array<keyof typeof CAP_BITS>): bigint {
    return names.reduce((m, n) => m | (1n << BigInt(CAP_BITS[n])), 0n);
}

/**
 * A raw Redis-protocol client over TCP: enough to hold idle connections open and see exactly
 * what the server answers (and when it hangs up), which a pooling client would hide.
 */
export class RespConnection {
    private buffer = "";
    private waiters: Array<() => void> = [];
    closed = false;
    private constructor(private readonly socket: net.Socket) {
        socket.setEncoding("utf8");
        socket.on("data", (d: string) => {
            this.buffer += d;
            this.wake();
        });
        socket.on("close", () => {
            this.closed = true;
            this.wake();
        });
        socket.on("error", () => undefined);
    }
    private wake() {
        for (const w of this.waiters.splice(0)) w();
    }
    static connect(port: number, host = "127.0.0.1"): Promise<RespConnection> {
        return new Promise((resolve, reject) => {
            const socket = net.connect({ port, host }, () => resolve(new RespConnection(socket)));
            socket.once("error", reject);
        });
    }
    /** Sends a command and returns the first reply line (e.g. "+PONG", "-NOAUTH ..."), or "(closed)". */
    async command(...args: string[]): Promise<string> {
        this.socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
        return this.readLine(5000);
    }
    async readLine(timeoutMs: number): Promise<string> {
        const deadline = Date.now() + timeoutMs;
        while (!this.buffer.includes("\r\n")) {
            if (this.closed) return "(closed)";
            if (Date.now() > deadline) throw new Error("no reply");
            await new Promise<void>((r) => {
                this.waiters.push(r);
                setTimeout(r, 100);
            });
        }
        const i = this.buffer.indexOf("\r\n");
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        return line;
    }
    /** Resolves once the server has closed the connection. */
    async waitClosed(timeoutMs: number): Promise<void> {
        await waitFor("the server to close the connection", timeoutMs, async () => (this.closed ? true : undefined), 100);
    }
    end() {
        this.socket.destroy();
    }
}

/** GET on a port published on 127.0.0.1. */
export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
}
