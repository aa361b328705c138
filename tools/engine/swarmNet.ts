// The three-node swarm that tools/engine/swarm-up.sh builds, as tests and benchmarks use it: a
// Dockerode client for the manager and for each node, the nodes' addresses and namespaces, what
// the kernel can do (capabilities.json), and cutting or healing one node's link.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import Dockerode from "dockerode";

const execFileAsync = promisify(execFile);

export const DEFAULT_SWARM_DIR = "/tmp/openwebui-valkey-swarm";
/** Every node carries `openwebui-valkey.node=<N>` (1 is the manager). */
export const NODE_LABEL = "openwebui-valkey.node";
/** Only node 2 carries `openwebui-valkey.valkey=true`: Valkey and its volume live there, never on the manager. */
export const VALKEY_NODE_LABEL = "openwebui-valkey.valkey";
export const VALKEY_NODE = 2;

/** What the kernel probe of swarm-up.sh found (`$SWARM_DIR/capabilities.json`). */
export interface SwarmCapabilities {
    /** A service in VIP endpoint mode (and the ingress routing mesh) works: IPVS is there. */
    ipvs: boolean;
    /** The AEAD cipher of an encrypted overlay (rfc4106(gcm(aes))) is there. */
    encryptedOverlay: boolean;
    /** What each check saw (strings and booleans), for messages. */
    details: Record<string, string | boolean>;
}

export interface SwarmNode {
    /** 1, 2 or 3 (1 is the manager), as in the node's `openwebui-valkey.node` label. */
    index: number;
    docker: Dockerode;
    /** `unix://…/node<N>/docker.sock` */
    host: string;
    /** The node's address on the host bridge (its swarm advertise address). */
    address: string;
    /** Its network namespace (`ip -n <namespace> …`). */
    namespace: string;
    /** Its link inside that namespace (what cutLink takes down). */
    linkInterface: string;
}

export interface SwarmNet {
    dir: string;
    /** Node 1's engine: the swarm's only manager. */
    manager: Dockerode;
    nodes: SwarmNode[];
    /** The host's own address on the swarm's bridge (reaches every node's host-mode ports). */
    hostAddress: string;
    capabilities: SwarmCapabilities;
}

export class SwarmNotUpError extends Error {}

function notUp(reason: string): SwarmNotUpError {
    return new SwarmNotUpError(
        `the test swarm is not up (${reason}). Start it as root with \`npm run swarm:up\` ` +
            "(after `npm run engine:up` and `npm run engine:images`; it copies the test images from that engine), or run `bash .ci/run`",
    );
}

/** Where swarm-up.sh wrote its env file: SWARM_ENV_FILE, else $SWARM_DIR/env, else the default. */
export function swarmEnvFile(): string {
    return process.env.SWARM_ENV_FILE ?? path.join(process.env.SWARM_DIR ?? DEFAULT_SWARM_DIR, "env");
}

/** The `export NAME='value'` lines of an env file swarm-up.sh wrote. */
export function parseEnvFile(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
        if (!m) continue;
        let value = m[2] as string;
        if (/^'.*'$/.test(value)) value = value.slice(1, -1).replace(/'\\''/g, "'");
        else if (/^".*"$/.test(value)) value = value.slice(1, -1);
        out[m[1] as string] = value;
    }
    return out;
}

function dockerFor(host: string): Dockerode {
    if (!host.startsWith("unix://")) throw new Error(`swarm node host ${host} is not a unix socket`);
    return new Dockerode({ socketPath: host.slice("unix://".length) });
}

/** The swarm as swarm-up.sh described it (no engine is contacted: see `swarm()` for that). */
export function loadSwarmNet(): SwarmNet {
    const envFile = swarmEnvFile();
    if (!fs.existsSync(envFile)) throw notUp(`no ${envFile}`);
    const env = parseEnvFile(fs.readFileSync(envFile, "utf8"));
    const need = (name: string): string => {
        const v = env[name];
        if (v === undefined || v === "") throw notUp(`${envFile} has no ${name}`);
        return v;
    };
    const dir = env.SWARM_DIR ?? path.dirname(envFile);
    const hosts = need("SWARM_NODE_HOSTS").split(/\s+/);
    const addresses = need("SWARM_NODE_ADDRESSES").split(/\s+/);
    const namespaces = need("SWARM_NODE_NAMESPACES").split(/\s+/);
    const linkInterface = env.SWARM_LINK_INTERFACE ?? "eth0";
    if (hosts.length !== addresses.length || hosts.length !== namespaces.length) {
        throw new Error(`${envFile}: SWARM_NODE_HOSTS, SWARM_NODE_ADDRESSES and SWARM_NODE_NAMESPACES differ in length`);
    }
    const capsFile = env.SWARM_CAPABILITIES ?? path.join(dir, "capabilities.json");
    if (!fs.existsSync(capsFile)) throw notUp(`no ${capsFile}: the kernel probe did not run`);
    const capabilities = JSON.parse(fs.readFileSync(capsFile, "utf8")) as SwarmCapabilities;
    if (typeof capabilities.ipvs !== "boolean" || typeof capabilities.encryptedOverlay !== "boolean") {
        throw new Error(`${capsFile}: "ipvs" and "encryptedOverlay" must be booleans`);
    }
    const nodes = hosts.map((host, i) => ({
        index: i + 1,
        docker: dockerFor(host),
        host,
        address: addresses[i] as string,
        namespace: namespaces[i] as string,
        linkInterface,
    }));
    return { dir, manager: dockerFor(need("SWARM_MANAGER_HOST")), nodes, hostAddress: need("SWARM_HOST_ADDRESS"), capabilities };
}

async function bounded<T>(what: string, p: Promise<T>, ms = 15_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]);
    } finally {
        clearTimeout(timer);
    }
}

/** The swarm, checked: every node's engine answers and the manager can manage. Fails with the fix when it is not up. */
export async function swarm(): Promise<SwarmNet> {
    const net = loadSwarmNet();
    for (const node of net.nodes) {
        try {
            await bounded(`node ${node.index}`, node.docker.ping());
        } catch (e) {
            throw notUp(`node ${node.index}'s engine at ${node.host} does not answer: ${(e as Error).message}`);
        }
    }
    const info = (await bounded("manager info", net.manager.info())) as { Swarm?: { ControlAvailable?: boolean } };
    if (info.Swarm?.ControlAvailable !== true) throw notUp("node 1 is not a swarm manager");
    return net;
}

/** The node with that index (1-based). */
export function node(net: SwarmNet, index: number): SwarmNode {
    const found = net.nodes.find((n) => n.index === index);
    if (!found) throw new Error(`the swarm has no node ${index}`);
    return found;
}

/** Swarm node id → node index, from the nodes' `openwebui-valkey.node` labels (the nodes share one host name). */
export async function nodeIndexById(net: SwarmNet): Promise<Map<string, number>> {
    const map = new Map<string, number>();
    for (const n of await net.manager.listNodes()) {
        const label = n.Spec?.Labels?.[NODE_LABEL];
        if (n.ID && label !== undefined) map.set(n.ID, Number(label));
    }
    return map;
}

async function setLink(n: SwarmNode, state: "up" | "down"): Promise<void> {
    try {
        await execFileAsync("ip", ["-n", n.namespace, "link", "set", n.linkInterface, state]);
    } catch (e) {
        const err = e as Error & { stderr?: string };
        throw new Error(`ip -n ${n.namespace} link set ${n.linkInterface} ${state} failed (needs root): ${(err.stderr ?? err.message).trim()}`);
    }
}

/** Cuts a node off the others (its link goes down): the manager marks it Down after ~14 s. */
export function cutLink(n: SwarmNode): Promise<void> {
    return setLink(n, "down");
}

/** Brings a cut node's link back; the node rejoins by itself. */
export function healLink(n: SwarmNode): Promise<void> {
    return setLink(n, "up");
}
