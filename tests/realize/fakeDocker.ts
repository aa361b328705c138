// An in-memory stand-in for the few dockerode calls the realizer makes, recording each call.

import type Dockerode from "dockerode";

export class EngineError extends Error {
    readonly json: { message: string };
    constructor(
        readonly statusCode: number,
        message: string,
    ) {
        super(`(HTTP code ${statusCode}) ${message}`);
        this.json = { message };
    }
}

export interface FakeContainer {
    id: string;
    name: string;
    create: Record<string, unknown>;
    query: Record<string, string>;
    networks: Map<string, Record<string, unknown>>;
    running: boolean;
    status: string;
    exitCode: number;
    restartCount: number;
    archives: Buffer[];
    /** Health statuses returned by successive inspects (the last one repeats); undefined = no healthcheck. */
    health: string[] | undefined;
}

export interface FakeBehaviour {
    apiVersion?: string;
    images?: Record<string, string>;
    /** Health sequence by container name. */
    health?: Record<string, string[]>;
    /** Container names that exit right after start. */
    exitOnStart?: string[];
    /** Container names whose start fails. */
    failStart?: string[];
}

let counter = 0;
const nextId = (): string => (++counter).toString(16).padStart(64, "0");

export class FakeDocker {
    readonly calls: string[] = [];
    readonly networks = new Map<string, { id: string; name: string; options: Record<string, unknown> }>();
    readonly volumes = new Map<string, { name: string; options: Record<string, unknown> }>();
    readonly containers = new Map<string, FakeContainer>();

    constructor(readonly behaviour: FakeBehaviour = {}) {
        this.networks.set("bridge-id", { id: "bridge-id", name: "bridge", options: {} });
    }

    asDockerode(): Dockerode {
        return this as unknown as Dockerode;
    }

    async version(): Promise<{ ApiVersion: string }> {
        return { ApiVersion: this.behaviour.apiVersion ?? "1.47" };
    }

    private networkByRef(ref: string) {
        return this.networks.get(ref) ?? [...this.networks.values()].find((n) => n.name === ref);
    }

    private labelled(options: Record<string, unknown>, filters: { label?: string[] } | undefined): boolean {
        const wanted = filters?.label ?? [];
        const labels = (options["Labels"] ?? {}) as Record<string, string>;
        return wanted.every((f) => {
            const [k, v] = f.split("=");
            return labels[k as string] === v;
        });
    }

    async createNetwork(options: Record<string, unknown>) {
        const name = options["Name"] as string;
        this.calls.push(`createNetwork ${name}`);
        if (this.networkByRef(name)) throw new EngineError(409, `network with name ${name} already exists`);
        const id = nextId();
        this.networks.set(id, { id, name, options });
        return this.getNetwork(id);
    }

    getNetwork(ref: string) {
        return {
            id: ref,
            connect: async (opts: { Container: string; EndpointConfig: Record<string, unknown> }) => {
                this.calls.push(`connect ${ref} ${this.containers.get(opts.Container)?.name}`);
                const network = this.networkByRef(ref);
                if (!network) throw new EngineError(404, `network ${ref} not found`);
                this.containers.get(opts.Container)?.networks.set(network.name, opts.EndpointConfig);
            },
            disconnect: async (opts: { Container: string }) => {
                this.calls.push(`disconnect ${ref} ${this.containers.get(opts.Container)?.name}`);
                const network = this.networkByRef(ref);
                const container = this.containers.get(opts.Container);
                if (!network || !container?.networks.delete(network.name)) {
                    throw new EngineError(403, `container ${opts.Container} is not connected to network ${ref}`);
                }
            },
            remove: async () => {
                this.calls.push(`removeNetwork ${this.networkByRef(ref)?.name ?? ref}`);
                const network = this.networkByRef(ref);
                if (!network) throw new EngineError(404, "no such network");
                this.networks.delete(network.id);
            },
        };
    }

    async listNetworks(opts?: { filters?: { label?: string[] } }) {
        return [...this.networks.values()].filter((n) => this.labelled(n.options, opts?.filters)).map((n) => ({ Id: n.id, Name: n.name }));
    }

    async createVolume(options: Record<string, unknown>) {
        const name = options["Name"] as string;
        this.calls.push(`createVolume ${name}`);
        if (!this.volumes.has(name)) this.volumes.set(name, { name, options });
        return this.getVolume(name);
    }

    getVolume(name: string) {
        return {
            name,
            inspect: async () => {
                const volume = this.volumes.get(name);
                if (!volume) throw new EngineError(404, `get ${name}: no such volume`);
                return { Name: name, Labels: volume.options["Labels"] ?? null };
            },
            remove: async () => {
                this.calls.push(`removeVolume ${name}`);
                if (!this.volumes.delete(name)) throw new EngineError(404, "no such volume");
            },
        };
    }

    async listVolumes(opts?: { filters?: { label?: string[] } }) {
        return { Volumes: [...this.volumes.values()].filter((v) => this.labelled(v.options, opts?.filters)).map((v) => ({ Name: v.name })) };
    }

    getImage(name: string) {
        return {
            inspect: async () => {
                const id = this.behaviour.images?.[name];
                if (id === undefined) throw new EngineError(404, `No such image: ${name}`);
                return { Id: id };
            },
        };
    }

    async createContainer(request: { _query: Record<string, string>; _body: Record<string, unknown> }) {
        const name = request._query["name"] as string;
        this.calls.push(`createContainer ${name}`);
        if ([...this.containers.values()].some((c) => c.name === name)) throw new EngineError(409, `Conflict. The container name "/${name}" is already in use`);
        const id = nextId();
        const health = this.behaviour.health?.[name] ?? ((request._body["Healthcheck"] as unknown) ? ["starting", "healthy"] : undefined);
        this.containers.set(id, {
            id, name, create: request._body, query: request._query,
            networks: new Map([["bridge", {}]]), running: false, status: "created", exitCode: 0, restartCount: 0, archives: [],
            health: health ? [...health] : undefined,
        });
        return this.getContainer(id);
    }

    async listContainers(opts?: { all?: boolean; filters?: { label?: string[] } }) {
        return [...this.containers.values()]
            .filter((c) => this.labelled(c.create, opts?.filters))
            .map((c) => ({ Id: c.id, Names: [`/${c.name}`] }));
    }

    getContainer(id: string) {
        const get = (): FakeContainer => {
            const c = this.containers.get(id);
            if (!c) throw new EngineError(404, `No such container: ${id}`);
            return c;
        };
        return {
            id,
            start: async () => {
                const c = get();
                this.calls.push(`start ${c.name}`);
                if (this.behaviour.failStart?.includes(c.name)) throw new EngineError(500, "OCI runtime create failed");
                if (this.behaviour.exitOnStart?.includes(c.name)) {
                    c.status = "exited";
                    c.exitCode = 1;
                } else {
                    c.running = true;
                    c.status = "running";
                }
            },
            inspect: async () => {
                const c = get();
                const status = c.health && c.health.length > 1 ? c.health.shift() : c.health?.[0];
                if (status === "exited") {
                    c.running = false;
                    c.status = "exited";
                    c.exitCode = 1;
                }
                return {
                    Id: c.id,
                    Name: `/${c.name}`,
                    RestartCount: c.restartCount,
                    State: {
                        Status: c.status,
                        Running: c.running,
                        Restarting: false,
                        ExitCode: c.exitCode,
                        // an exited container keeps its last health status
                        ...(status !== undefined
                            ? { Health: { Status: status === "exited" ? "starting" : status, Log: [{ Output: `check said ${status}` }] } }
                            : {}),
                    },
                };
            },
            stop: async (opts: { t: number }) => {
                const c = get();
                this.calls.push(`stop ${c.name} t=${opts.t}`);
                c.running = false;
            },
            remove: async (opts: { force?: boolean; v?: boolean }) => {
                const c = get();
                this.calls.push(`removeContainer ${c.name} force=${opts.force} v=${opts.v}`);
                this.containers.delete(id);
            },
            logs: async () => Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 5]), Buffer.from("oops\n")]),
            putArchive: async (archive: Buffer, opts: { path: string }) => {
                const c = get();
                this.calls.push(`putArchive ${c.name} ${opts.path}`);
                c.archives.push(archive);
            },
            wait: async () => {
                const c = get();
                this.calls.push(`wait ${c.name}`);
                c.running = false;
                c.status = "exited";
                return { StatusCode: 0 };
            },
        };
    }
}
