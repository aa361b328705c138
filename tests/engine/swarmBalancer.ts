// What stands in front of a Swarm service published in host mode (dnsrr, no routing mesh): a
// balancer over the nodes' addresses, as HAProxy or nginx would be configured with every node as a
// backend. It takes the nodes in turn and moves a request to the next node only when the connection
// itself is refused (no replica listens there: HAProxy's `option redispatch`, nginx's
// `proxy_next_upstream error`). A request that was sent and then failed, or answered with an
// error, is a failure and is counted as one: it is never retried.
import { OpenWebUIClient, ApiResponse } from "./openWebUIClient";

/** Whether an error from fetch is a refused connection (nothing was sent). */
export function connectionRefused(error: unknown): boolean {
    const cause = (error as { cause?: { code?: string; errors?: Array<{ code?: string }> } })?.cause;
    if (cause?.code === "ECONNREFUSED") return true;
    return Array.isArray(cause?.errors) && cause.errors.length > 0 && cause.errors.every((e) => e.code === "ECONNREFUSED");
}

export interface BalancerCounts {
    /** Requests answered (any status). */
    answered: number;
    /** Requests moved to another node because one refused the connection. */
    redispatched: number;
    /** Requests that failed after they were sent, or that no node accepted. */
    failed: number;
    /** Requests answered, by node address. */
    byNode: Record<string, number>;
}

export class NodeBalancer {
    private next = 0;
    readonly counts: BalancerCounts = { answered: 0, redispatched: 0, failed: 0, byNode: {} };
    readonly failures: string[] = [];
    private readonly clients: OpenWebUIClient[];

    constructor(
        readonly addresses: readonly string[],
        readonly port: number,
    ) {
        this.clients = addresses.map((a) => new OpenWebUIClient(port, a));
    }

    /** The client of one node, for requests that must reach a given replica. */
    node(address: string): OpenWebUIClient {
        const i = this.addresses.indexOf(address);
        if (i < 0) throw new Error(`no node ${address}`);
        return this.clients[i];
    }

    async request<T = unknown>(method: "GET" | "POST", path: string, body?: unknown, token?: string): Promise<ApiResponse<T> & { node: string }> {
        const start = this.next++;
        let lastError: unknown;
        for (let k = 0; k < this.clients.length; k++) {
            const i = (start + k) % this.clients.length;
            try {
                const response = await this.clients[i].request<T>(method, path, body, token);
                this.counts.answered++;
                this.counts.byNode[this.addresses[i]] = (this.counts.byNode[this.addresses[i]] ?? 0) + 1;
                return { ...response, node: this.addresses[i] };
            } catch (e) {
                if (!connectionRefused(e)) {
                    this.counts.failed++;
                    this.failures.push(`${method} ${path} on ${this.addresses[i]}: ${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? "")}`);
                    throw e;
                }
                lastError = e;
                this.counts.redispatched++;
            }
        }
        this.counts.failed++;
        this.failures.push(`${method} ${path}: every node refused the connection`);
        throw lastError;
    }
}

/**
 * A steady stream of authenticated requests through the balancer until `stop` is called: one at a
 * time per lane, `lanes` at once. Every answer other than 200 is a failure too.
 */
export function steadyLoad(balancer: NodeBalancer, token: string, lanes = 2): { stop(): Promise<{ ok: number; notOk: string[] }> } {
    let running = true;
    let ok = 0;
    const notOk: string[] = [];
    const lane = async () => {
        while (running) {
            try {
                const r = await balancer.request("GET", "/api/v1/auths/", undefined, token);
                if (r.status === 200) ok++;
                else notOk.push(`${r.status} from ${r.node}`);
            } catch (e) {
                notOk.push((e as Error).message);
            }
        }
    };
    const done = Promise.all(Array.from({ length: lanes }, lane));
    return {
        async stop() {
            running = false;
            await done;
            return { ok, notOk };
        },
    };
}
