// Realizes a plan on a Docker engine: creates its networks, volumes and containers (and, on a swarm
// manager, its secrets, configs and services) the way @pulumi/docker would, labels each with the
// run label, and removes them again on destroy.

import { readFileSync } from "node:fs";
import Dockerode from "dockerode";

import {
    ContainerLifecycle,
    ContainerSpec,
    RUN_LABEL_KEY,
    apiVersionAtLeast,
    containerCreateOptions,
    networkCreateOptions,
    remoteImageName,
    resolveContainerImage,
    splitCreateRequest,
    volumeCreateOptions,
} from "./dockerMapping";
import { messageOf, statusOf } from "./engineErrors";
import { FieldReader } from "./fieldReader";
import { Plan, PlanError, PlanResource, RESOURCE_TYPES, dependencyOrder, describe, parsePlan, resourceKind } from "./plan";
import {
    ConvergeTimeout,
    createServiceRequest,
    deleteService,
    notASwarmManager,
    pinImageDigest,
    readService,
    updateServiceRequest,
    waitForConvergence,
    waitForUpdate,
    waitTaskContainersGone,
} from "./swarmEngine";
import { RealizedObject, SwarmReferences, configCreateSpec, resolveServiceImage, secretCreateSpec, serviceCreateSpec } from "./swarmMapping";
import { autoName } from "./swarmNames";
import type { ProposedChange } from "./proposedChanges";
import { ServiceImage, proposedSwarmChanges as swarmChanges, readBackConfig, readBackSecret, readBackService } from "./swarmReadBack";
import { tarArchive } from "./tar";

export { RUN_LABEL_KEY } from "./dockerMapping";

export interface RealizeOptions {
    /** Engine client; default `new Dockerode()`, which honours DOCKER_HOST. A swarm manager's for Swarm resources. */
    docker?: Dockerode;
    /**
     * Clients of the swarm's other nodes (not the manager's). The provider only talks to the
     * manager; the realizer uses these to wait for a destroyed service's task containers and to
     * remove the volumes its tasks created, on every node.
     */
    nodes?: readonly Dockerode[];
    /** Upstream image name (a RemoteImage's `name`) → local image to run instead. */
    imageMap: Readonly<Record<string, string>>;
    /** Value of the label `openwebui-valkey.test-run` put on everything created. */
    runLabel: string;
    /** Leave what was created in place when realize fails (default: destroy it, then throw). */
    keepOnFailure?: boolean;
    /** Progress lines (default: silent). */
    log?: (line: string) => void;
    /** Poll period while waiting for health, in ms (default 250). */
    pollMilliseconds?: number;
}

export interface DestroyOptions {
    /** Keep the named volumes (plan volumes and those created on first use); default false. */
    keepVolumes?: boolean;
}

export interface Realization {
    readonly runLabel: string;
    readonly docker: Dockerode;
    readonly plan: Plan;
    /** URN → Docker id (network id, volume name, container id) of each plan resource realized. */
    readonly resources: Readonly<Record<string, string>>;
    /** Volumes that existed before and were taken over; destroy leaves those without this run's label. */
    readonly adoptedVolumes: readonly string[];
    /** Container id by Pulumi resource name or by container name. */
    containerId(name: string): string;
    /** Network id by Pulumi resource name or by network name. */
    networkId(name: string): string;
    /** Volume name by Pulumi resource name or by volume name. */
    volumeName(name: string): string;
    /** Service id by Pulumi resource name or by service name. */
    serviceId(name: string): string;
    /** Secret id by Pulumi resource name or by secret name. */
    secretId(name: string): string;
    /** Config id by Pulumi resource name or by config name. */
    configId(name: string): string;
    /** The name the realizer gave a Secret, ServiceConfig or Service (an auto-name when the program leaves it unset), by Pulumi resource name. */
    swarmName(resourceName: string): string;
    /** The image a service was declared with and the local one sent in its place (for readBackService). */
    serviceImage(resourceName: string): ServiceImage;
    /**
     * A Service as the program of a real deployment would declare it: references to the plan's
     * secrets, configs and networks hold the ids and names created here instead of the plan's
     * stand-ins. Other resources come back unchanged.
     */
    declaredOnEngine(resource: PlanResource): PlanResource;
    /**
     * The provider's Update of a realized Service from `resource` (the same plan resource, changed):
     * the whole spec again through ServiceUpdate, then with converge_config the wait for the update
     * to complete (a paused update or a rollback fails), then Read. A change to a ForceNew field
     * (name, mode) is a replacement, not an update, and is refused.
     */
    update(resource: PlanResource): Promise<void>;
    /**
     * What a second `pulumi up` of `plan` (default: the realized plan) would propose for its
     * services, secrets and configs: each is inspected, read back as the provider's Read does and
     * compared with the declaration (tools/realize/swarmReadBack.ts).
     */
    proposedSwarmChanges(plan?: Plan | unknown): Promise<ProposedChange[]>;
    /**
     * Removes what this realization created: services (as the provider's Delete does, then their task
     * containers on every node), containers (stopped as the provider's Delete does, then removed with
     * their anonymous volumes), secrets, configs, networks, volumes (those the services' tasks
     * created on their nodes too).
     */
    destroy(options?: DestroyOptions): Promise<void>;
}

/** A failed realize. `realization` is what was created so far (already destroyed unless keepOnFailure). */
export class RealizeError extends Error {
    constructor(
        message: string,
        readonly realization: Realization,
        readonly causeError: unknown,
    ) {
        super(message);
        this.name = "RealizeError";
    }
}

type Kind = "network" | "volume" | "container" | "service" | "secret" | "config";

interface Created {
    urn: string | null;
    resourceName: string | null;
    kind: Kind;
    /** Docker name (container, network, volume). */
    name: string;
    /** Docker id (volume: its name). */
    id: string;
    /** Removed by destroy. False for adopted volumes that do not carry this run's label. */
    owned: boolean;
    lifecycle?: ContainerLifecycle;
    /** A service's delete setting, its image, and the declaration last applied. */
    service?: { stopGracePeriod?: string; image: ServiceImage; resource: PlanResource };
    removed: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Docker's multiplexed log stream (non-tty) as text; raw text when it is not multiplexed. */
function demuxLogs(data: Buffer): string {
    const chunks: Buffer[] = [];
    let offset = 0;
    while (offset + 8 <= data.length) {
        const stream = data[offset];
        const size = data.readUInt32BE(offset + 4);
        if ((stream !== 0 && stream !== 1 && stream !== 2) || data[offset + 1] !== 0 || offset + 8 + size > data.length) {
            return data.toString("utf8");
        }
        chunks.push(data.subarray(offset + 8, offset + 8 + size));
        offset += 8 + size;
    }
    return offset === data.length ? Buffer.concat(chunks).toString("utf8") : data.toString("utf8");
}

async function logTail(container: Dockerode.Container, lines = 25): Promise<string> {
    try {
        const raw: unknown = await container.logs({ stdout: true, stderr: true, tail: lines, follow: false });
        const text = Buffer.isBuffer(raw) ? demuxLogs(raw) : String(raw);
        const trimmed = text.trim();
        return trimmed === "" ? "" : `\n--- last log lines ---\n${trimmed}`;
    } catch {
        return "";
    }
}

class Realizer {
    readonly created: Created[] = [];
    readonly adopted: string[] = [];
    private apiVersion: string | undefined;
    private readonly networkIds = new Map<string, string>();
    private readonly planVolumes = new Set<string>();
    private destroying: Promise<void> | undefined;

    constructor(
        readonly docker: Dockerode,
        readonly plan: Plan,
        readonly imageMap: Readonly<Record<string, string>>,
        readonly runLabel: string,
        readonly log: (line: string) => void,
        readonly pollMs: number,
        readonly nodes: readonly Dockerode[] = [],
    ) {}

    /** The manager and the other nodes: every engine a swarm resource leaves something on. */
    get allEngines(): Dockerode[] {
        return [this.docker, ...this.nodes];
    }

    get labels(): Record<string, string> {
        return { [RUN_LABEL_KEY]: this.runLabel };
    }

    async engineApiVersion(): Promise<string> {
        if (this.apiVersion === undefined) {
            const version = await this.docker.version();
            this.apiVersion = version.ApiVersion;
        }
        return this.apiVersion;
    }

    async realizeResource(resource: PlanResource): Promise<void> {
        switch (resourceKind(resource)) {
            case "nothing":
                return;
            case "image":
                remoteImageName(resource); // checks its inputs; the container step maps it
                return;
            case "network":
                return this.createNetwork(resource);
            case "volume":
                return this.createVolume(resource);
            case "container":
                await this.createContainer(resource);
                return;
            case "secret":
            case "config":
                return this.createSwarmObject(resource);
            case "service":
                return this.createService(resource);
        }
    }

    /** References of a service to what this realization created (the plan's stand-in ids → real ones). */
    references(): SwarmReferences {
        return new SwarmReferences(this.plan, (urn): RealizedObject | undefined => {
            const found = this.created.find((c) => c.urn === urn && !c.removed);
            return found === undefined ? undefined : { id: found.id, name: found.name };
        });
    }

    /** resourceDockerSecretCreate / resourceDockerConfigCreate (then Read, which only inspects). */
    private async createSwarmObject(resource: PlanResource): Promise<void> {
        const kind = resource.type === RESOURCE_TYPES.secret ? "secret" : "config";
        const spec = (kind === "secret" ? secretCreateSpec : configCreateSpec)(resource, { labels: this.labels, autoName: autoName(resource.name) });
        let id: string;
        try {
            id = (kind === "secret" ? await this.docker.createSecret(spec.body) : await this.docker.createConfig(spec.body)).id;
        } catch (e) {
            throw new Error(`${describe(resource)}: ${kind} create failed: ${messageOf(e)}`);
        }
        this.created.push({ urn: resource.urn, resourceName: resource.name, kind, name: spec.body.Name, id, owned: true, removed: false });
        this.log(`${kind} ${spec.body.Name} created (${id.slice(0, 12)})${spec.autoNamed ? " (auto-named)" : ""}`);
        try {
            await (kind === "secret" ? this.docker.getSecret(id) : this.docker.getConfig(id)).inspect();
        } catch (e) {
            throw new Error(`${describe(resource)}: reading the ${kind} back failed: ${messageOf(e)}`);
        }
    }

    /**
     * resourceDockerServiceCreate (resource_docker_service_funcs.go): the registry lookup of
     * QueryRegistry, ServiceCreate, then with converge_config the wait for convergence (a service
     * that does not converge is deleted and the create fails), then Read.
     */
    private async createService(resource: PlanResource): Promise<void> {
        const where = describe(resource);
        const { local } = resolveServiceImage(resource, this.imageMap);
        const spec = serviceCreateSpec(resource, { labels: this.labels, image: local, autoName: autoName(resource.name), references: this.references() });
        const engine = await this.engineApiVersion();
        if (!apiVersionAtLeast(engine, spec.requiredApiVersion)) {
            throw new PlanError(`${where}: uses fields that need engine API ${spec.requiredApiVersion}; this engine speaks ${engine} and would ignore them`);
        }
        const digestWarning = await pinImageDigest(this.docker, spec.body);
        let id: string;
        try {
            const response = await createServiceRequest(this.docker, spec.body);
            id = response.id;
            for (const warning of [...(digestWarning === undefined ? [] : [digestWarning]), ...response.warnings]) {
                this.log(`${where}: warning: ${warning.replace(/\s*\n\s*/g, " ").trim()}`);
            }
        } catch (e) {
            throw new Error(`${where}: service create failed: ${messageOf(e)}`);
        }
        const record: Created = {
            urn: resource.urn, resourceName: resource.name, kind: "service", name: spec.body.Name, id, owned: true, removed: false,
            service: { image: { ...spec.image }, resource, ...(spec.stopGracePeriod === undefined ? {} : { stopGracePeriod: spec.stopGracePeriod }) },
        };
        this.created.push(record);
        this.log(`service ${spec.body.Name} created (${id.slice(0, 12)})${spec.converge === undefined ? "" : ", waiting for it to converge"}`);
        if (spec.converge !== undefined) {
            try {
                await waitForConvergence(this.docker, id, spec.converge, this.log);
            } catch (e) {
                // "the service will be deleted in case it cannot be converged"
                try {
                    await deleteService(this.docker, id, spec.body.Name, spec.stopGracePeriod);
                    record.removed = true;
                } catch (deleteError) {
                    throw new Error(`${where}: the service did not converge (${messageOf(e)}), and deleting it failed: ${messageOf(deleteError)}`);
                }
                if (e instanceof ConvergeTimeout) {
                    throw new Error(`${where}: ${e.message}; the provider deleted the service${e.lastTasks === "" ? "" : ` (its tasks: ${e.lastTasks})`}`);
                }
                throw new Error(`${where}: waiting for the service to converge failed: ${messageOf(e)}; the provider deleted the service`);
            }
            this.log(`service ${spec.body.Name} converged`);
        }
        await readService(this.docker, id);
    }

    private async createNetwork(resource: PlanResource): Promise<void> {
        const options = networkCreateOptions(resource, { labels: this.labels });
        let network: Dockerode.Network;
        try {
            // CheckDuplicate: a name clash fails here, as on engines >= 25 (API 1.44), instead of
            // creating a second network of the same name on older engines
            network = await this.docker.createNetwork({ ...options, CheckDuplicate: true });
        } catch (e) {
            throw new Error(`${describe(resource)}: network create failed: ${messageOf(e)}`);
        }
        this.created.push({ urn: resource.urn, resourceName: resource.name, kind: "network", name: options.Name, id: network.id, owned: true, removed: false });
        this.networkIds.set(options.Name, network.id);
        this.log(`network ${options.Name} created (${network.id.slice(0, 12)})`);
    }

    private async createVolume(resource: PlanResource): Promise<void> {
        const options = volumeCreateOptions(resource, { labels: this.labels });
        const existing = await this.inspectVolume(options.Name);
        try {
            // Docker answers a create of an existing name with that volume (a different driver is refused).
            await this.docker.createVolume(options);
        } catch (e) {
            throw new Error(`${describe(resource)}: volume create failed: ${messageOf(e)}`);
        }
        const owned = existing === undefined || existing.Labels?.[RUN_LABEL_KEY] === this.runLabel;
        if (existing !== undefined) this.adopted.push(options.Name);
        this.created.push({ urn: resource.urn, resourceName: resource.name, kind: "volume", name: options.Name, id: options.Name, owned, removed: false });
        this.planVolumes.add(options.Name);
        this.log(`volume ${options.Name} ${existing === undefined ? "created" : owned ? "adopted (this run's)" : "adopted (kept on destroy)"}`);
    }

    private async inspectVolume(name: string): Promise<Dockerode.VolumeInspectInfo | undefined> {
        try {
            return await this.docker.getVolume(name).inspect();
        } catch (e) {
            if (statusOf(e) === 404) return undefined;
            throw e;
        }
    }

    /** Named volumes a container uses that the plan does not declare: created on first use, as Docker would, but labelled. */
    private async ensureVolumes(spec: ContainerSpec, where: string): Promise<void> {
        for (const reference of spec.volumeReferences) {
            if (this.planVolumes.has(reference.name)) continue;
            if ((await this.inspectVolume(reference.name)) !== undefined) continue;
            const options: Dockerode.VolumeCreateOptions = { Name: reference.name, Labels: { ...(reference.labels ?? {}), ...this.labels } };
            if (reference.driver !== undefined && reference.driver !== "") options.Driver = reference.driver;
            if (reference.driverOpts !== undefined) options.DriverOpts = reference.driverOpts;
            try {
                await this.docker.createVolume(options);
            } catch (e) {
                throw new Error(`${where}: creating volume ${reference.name} on first use failed: ${messageOf(e)}`);
            }
            this.created.push({ urn: null, resourceName: null, kind: "volume", name: reference.name, id: reference.name, owned: true, removed: false });
            this.planVolumes.add(reference.name);
            this.log(`volume ${reference.name} created on first use`);
        }
    }

    async createContainer(resource: PlanResource): Promise<string> {
        const where = describe(resource);
        const { upstream, local } = resolveContainerImage(this.plan, resource, this.imageMap);
        let imageId: string;
        try {
            imageId = (await this.docker.getImage(local).inspect()).Id;
        } catch (e) {
            if (statusOf(e) === 404) throw new Error(`${where}: local image "${local}" (mapped from "${upstream}") is not on the engine`);
            throw e;
        }
        const spec = containerCreateOptions(resource, { image: imageId, labels: this.labels });
        const engine = await this.engineApiVersion();
        if (!apiVersionAtLeast(engine, spec.requiredApiVersion)) {
            throw new PlanError(`${where}: uses fields that need engine API ${spec.requiredApiVersion}; this engine speaks ${engine} and would ignore them`);
        }
        await this.ensureVolumes(spec, where);

        const { query, body } = splitCreateRequest(spec.options);
        let container: Dockerode.Container;
        try {
            // dockerode sends `_query` as the query string and `_body` as the JSON body
            container = await this.docker.createContainer({ _query: query, _body: body } as unknown as Dockerode.ContainerCreateOptions);
        } catch (e) {
            throw new Error(`${where}: container create failed: ${messageOf(e)}`);
        }
        const record: Created = {
            urn: resource.urn, resourceName: resource.name, kind: "container", name: spec.options.name,
            id: container.id, owned: true, lifecycle: spec.lifecycle, removed: false,
        };
        this.created.push(record);
        this.log(`container ${spec.options.name} created (${container.id.slice(0, 12)})`);

        if (spec.disconnectDefaultBridge) {
            try {
                await this.docker.getNetwork("bridge").disconnect({ Container: container.id, Force: false });
            } catch (e) {
                // as the provider: not being on the bridge (another network mode) is fine
                if (!/is not connected to (the )?network|No such network|not found/i.test(messageOf(e))) {
                    throw new Error(`${where}: leaving the default bridge failed: ${messageOf(e)}`);
                }
            }
        }
        for (const connection of spec.networkConnections) {
            const target = this.networkIds.get(connection.network) ?? connection.network;
            try {
                await this.docker.getNetwork(target).connect({ Container: container.id, EndpointConfig: connection.endpoint });
            } catch (e) {
                throw new Error(`${where}: connecting to network "${connection.network}" failed: ${messageOf(e)}`);
            }
        }
        if (spec.uploads.length > 0) {
            const archive = tarArchive(
                spec.uploads.map((u) => {
                    const content = u.content ?? (u.sourcePath !== undefined ? readFileSync(u.sourcePath) : Buffer.alloc(0));
                    const entry = { path: u.file, content, mode: u.mode } as Parameters<typeof tarArchive>[0][number];
                    if (u.uid !== undefined) entry.uid = u.uid;
                    if (u.gid !== undefined) entry.gid = u.gid;
                    return entry;
                }),
            );
            try {
                await container.putArchive(archive, { path: "/" });
            } catch (e) {
                throw new Error(`${where}: uploading files failed: ${messageOf(e)}`);
            }
        }
        if (!spec.lifecycle.start) {
            if (spec.lifecycle.mustRun) {
                throw new Error(`${where}: start is false but mustRun is true (default): the provider fails on a container that is not running`);
            }
            return container.id;
        }
        try {
            await container.start();
        } catch (e) {
            throw new Error(`${where}: container start failed: ${messageOf(e)}${await logTail(container)}`);
        }
        if (spec.lifecycle.wait) await this.waitHealthy(container, spec.lifecycle.waitTimeoutSeconds, where);
        if (spec.lifecycle.attach) await container.wait();
        if (spec.lifecycle.mustRun) {
            const state = (await container.inspect()).State;
            if (!state.Running) {
                throw new Error(`${where}: container is not running (status ${state.Status}, exit code ${state.ExitCode})${await logTail(container)}`);
            }
        }
        return container.id;
    }

    private async waitHealthy(container: Dockerode.Container, timeoutSeconds: number, where: string): Promise<void> {
        const deadline = Date.now() + timeoutSeconds * 1000;
        for (;;) {
            const info = await container.inspect();
            const state = info.State;
            const health = state.Health?.Status;
            if (health === undefined) {
                throw new Error(`${where}: wait is set but the container has no healthcheck`);
            }
            if (health === "healthy") {
                this.log(`container ${info.Name.replace(/^\//, "")} healthy`);
                return;
            }
            // an exit is the root cause even when the engine marks the health unhealthy too
            if (!state.Running || state.Restarting || info.RestartCount > 0) {
                throw new Error(`${where}: container exited while waiting for health (status ${state.Status}, exit code ${state.ExitCode}, restarts ${info.RestartCount})${await logTail(container)}`);
            }
            if (health === "unhealthy") {
                const last = state.Health?.Log?.at(-1)?.Output?.trim() ?? "";
                throw new Error(`${where}: container turned unhealthy${last !== "" ? ` (last check: ${last})` : ""}${await logTail(container)}`);
            }
            if (Date.now() >= deadline) {
                throw new Error(`${where}: container not healthy within ${timeoutSeconds}s (health: ${health})${await logTail(container)}`);
            }
            await sleep(this.pollMs);
        }
    }

    /**
     * Deletes a container as the provider's resourceDockerContainerDelete does
     * (internal/provider/resource_docker_container_funcs.go @ 8bac991400ae971425d61be5c6e442a1b3f8515c,
     * the same @ a154e9ceb16a78dc882da7729df123d99300b7c4): unless `attach` is set, ContainerStop
     * with a timeout of destroy_grace_seconds when that is > 0, else 0 — so always a stop: the
     * container's stop signal (SIGTERM by default) and, when the timeout runs out (at once for 0),
     * SIGKILL — then ContainerRemove with Force. One difference on purpose: anonymous volumes are
     * always removed (the provider follows remove_volumes, default true), so tests leave nothing.
     */
    async removeContainerRecord(record: Created): Promise<void> {
        const container = this.docker.getContainer(record.id);
        if (record.lifecycle?.attach !== true) {
            const grace = record.lifecycle?.destroyGraceSeconds;
            const timeout = grace !== undefined && grace > 0 ? grace : 0;
            try {
                await container.stop({ t: timeout });
            } catch (e) {
                const status = statusOf(e);
                // 304: not running (the Go client takes it as success); 404: gone already
                if (status !== 304 && status !== 404) throw e;
            }
        }
        try {
            await container.remove({ force: true, v: true });
        } catch (e) {
            const status = statusOf(e);
            // gone already, or AutoRemove is removing it
            if (status !== 404 && !(status === 409 && /already in progress/i.test(messageOf(e)))) throw e;
        }
        record.removed = true;
    }

    /**
     * resourceDockerServiceUpdate (resource_docker_service_funcs.go @ a5332be18d8d9e218252eb5d69700eaf7a3b8e2a):
     * ServiceInspect for the version, createServiceSpec, ServiceUpdate (registry auth, no
     * QueryRegistry), then with converge_config the update wait (delay fixed at 7 s; a timeout is
     * DidNotConvergeError and the service stays as the engine left it), then Read.
     */
    async updateService(resource: PlanResource): Promise<void> {
        const where = describe(resource);
        if (resource.type !== RESOURCE_TYPES.service) {
            throw new PlanError(`${where}: only a service is updated in place; every field of a secret, config or network is ForceNew`);
        }
        const record = this.created.find((c) => c.kind === "service" && !c.removed && c.urn === resource.urn);
        if (record === undefined || record.service === undefined) throw new Error(`${where}: not a live service of this realization`);
        const before = record.service.resource.inputs;
        for (const field of ["name", "mode"]) {
            if (JSON.stringify(before[field] ?? null) !== JSON.stringify(resource.inputs[field] ?? null)) {
                throw new PlanError(`${where}: "${field}" changes, which is ForceNew: that is a replacement, not an update`);
            }
        }
        const { local } = resolveServiceImage(resource, this.imageMap);
        // an auto-named service keeps the name drawn at create
        const spec = serviceCreateSpec(resource, { labels: this.labels, image: local, autoName: record.name, references: this.references() });
        const engine = await this.engineApiVersion();
        if (!apiVersionAtLeast(engine, spec.requiredApiVersion)) {
            throw new PlanError(`${where}: uses fields that need engine API ${spec.requiredApiVersion}; this engine speaks ${engine} and would ignore them`);
        }
        const current = (await this.docker.getService(record.id).inspect()) as { Version?: { Index?: number } };
        try {
            const warnings = await updateServiceRequest(this.docker, record.id, current.Version?.Index ?? 0, spec.body);
            for (const warning of warnings) this.log(`${where}: warning: ${warning}`);
        } catch (e) {
            throw new Error(`${where}: service update failed: ${messageOf(e)}`);
        }
        record.service = { image: { ...spec.image }, resource, ...(spec.stopGracePeriod === undefined ? {} : { stopGracePeriod: spec.stopGracePeriod }) };
        this.log(`service ${record.name} updated${spec.converge === undefined ? "" : ", waiting for the update to complete"}`);
        if (spec.converge !== undefined) {
            try {
                await waitForUpdate(this.docker, record.id, spec.converge, this.log);
            } catch (e) {
                throw new Error(`${where}: ${e instanceof ConvergeTimeout ? e.message : `waiting for the update failed: ${messageOf(e)}`}`);
            }
            this.log(`service ${record.name} update completed`);
        }
        await readService(this.docker, record.id);
    }

    /** Reads back the plan's services, secrets and configs and compares them with their declarations. */
    async proposedSwarmChanges(plan: Plan, declaredOnEngine: (resource: PlanResource) => PlanResource): Promise<ProposedChange[]> {
        const changes: ProposedChange[] = [];
        for (const resource of plan.resources) {
            const kind = resource.type === RESOURCE_TYPES.service ? "service" : resource.type === RESOURCE_TYPES.secret ? "secret" : resource.type === RESOURCE_TYPES.serviceConfig ? "config" : undefined;
            if (kind === undefined) continue;
            const record = this.created.find((c) => c.kind === kind && !c.removed && c.urn === resource.urn);
            if (record === undefined) throw new Error(`${describe(resource)}: not realized here, so there is nothing to read back`);
            if (kind === "service") {
                const declared = declaredOnEngine(resource);
                const info = (await this.docker.getService(record.id).inspect()) as Record<string, unknown>;
                changes.push(...swarmChanges(declared, readBackService(declared, info, (record.service as { image: ServiceImage }).image)));
            } else if (kind === "secret") {
                changes.push(...swarmChanges(resource, readBackSecret(resource, await this.docker.getSecret(record.id).inspect())));
            } else {
                const info = (await this.docker.getConfig(record.id).inspect()) as { Spec?: { Name?: string; Data?: string; Labels?: unknown } };
                changes.push(...swarmChanges(resource, readBackConfig(resource, info)));
            }
        }
        return changes;
    }

    private async removeWithRetry(action: () => Promise<unknown>, busy: RegExp): Promise<void> {
        const deadline = Date.now() + 15_000;
        for (;;) {
            try {
                await action();
                return;
            } catch (e) {
                if (statusOf(e) === 404) return;
                if (busy.test(messageOf(e)) && Date.now() < deadline) {
                    await sleep(250);
                    continue;
                }
                throw e;
            }
        }
    }

    destroy(options: DestroyOptions = {}): Promise<void> {
        // one destroy at a time; a later call with keepVolumes=false still removes kept volumes
        const previous = this.destroying ?? Promise.resolve();
        const run = previous.catch(() => undefined).then(() => this.destroyNow(options));
        this.destroying = run;
        return run;
    }

    private async destroyNow(options: DestroyOptions): Promise<void> {
        const failures: string[] = [];
        const pending = (kind: Kind): Created[] => this.created.filter((c) => c.kind === kind && c.owned && !c.removed).reverse();
        for (const record of pending("service")) {
            try {
                await deleteService(this.docker, record.id, record.name, record.service?.stopGracePeriod);
                record.removed = true;
            } catch (e) {
                failures.push(`service ${record.name}: ${messageOf(e)}`);
            }
        }
        // the realizer's own: every task container of this realization's services gone, on every node
        const serviceIds = this.created.filter((c) => c.kind === "service").map((c) => c.id);
        try {
            await waitTaskContainersGone(this.allEngines, serviceIds, 60_000);
        } catch (e) {
            failures.push(`task containers: ${messageOf(e)}`);
        }
        for (const record of pending("container")) {
            try {
                await this.removeContainerRecord(record);
            } catch (e) {
                failures.push(`container ${record.name}: ${messageOf(e)}`);
            }
        }
        for (const kind of ["secret", "config"] as const) {
            for (const record of pending(kind)) {
                try {
                    await this.removeWithRetry(() => (kind === "secret" ? this.docker.getSecret(record.id) : this.docker.getConfig(record.id)).remove(), /in use/i);
                    record.removed = true;
                } catch (e) {
                    failures.push(`${kind} ${record.name}: ${messageOf(e)}`);
                }
            }
        }
        for (const record of pending("network")) {
            try {
                await this.removeWithRetry(() => this.docker.getNetwork(record.id).remove(), /active endpoints|in use/i);
                record.removed = true;
            } catch (e) {
                failures.push(`network ${record.name}: ${messageOf(e)}`);
            }
        }
        if (options.keepVolumes !== true) {
            for (const record of pending("volume")) {
                try {
                    await this.removeWithRetry(() => this.docker.getVolume(record.id).remove(), /in use/i);
                    record.removed = true;
                } catch (e) {
                    failures.push(`volume ${record.name}: ${messageOf(e)}`);
                }
            }
            // volumes the services' tasks created on their nodes carry the run label (the realizer
            // added it to their mounts); the provider never removes them, the realizer does
            if (serviceIds.length > 0) {
                for (const engine of this.allEngines) {
                    const volumes = (await engine.listVolumes({ filters: { label: [`${RUN_LABEL_KEY}=${this.runLabel}`] } })).Volumes ?? [];
                    for (const volume of volumes) {
                        try {
                            await this.removeWithRetry(() => engine.getVolume(volume.Name).remove(), /in use/i);
                        } catch (e) {
                            failures.push(`volume ${volume.Name}: ${messageOf(e)}`);
                        }
                    }
                }
            }
        }
        if (failures.length > 0) throw new Error(`destroy left objects behind: ${failures.join("; ")}`);
    }

    find(kind: Kind, name: string): Created {
        const live = this.created.filter((c) => c.kind === kind && !c.removed);
        const match = live.find((c) => c.resourceName === name) ?? live.find((c) => c.name === name);
        if (match === undefined) throw new Error(`no ${kind} named "${name}" in this realization`);
        return match;
    }
}

class RealizationHandle implements Realization {
    constructor(readonly realizer: Realizer) {}

    get runLabel(): string {
        return this.realizer.runLabel;
    }
    get docker(): Dockerode {
        return this.realizer.docker;
    }
    get plan(): Plan {
        return this.realizer.plan;
    }
    get resources(): Readonly<Record<string, string>> {
        const out: Record<string, string> = {};
        for (const c of this.realizer.created) {
            if (c.urn !== null && !c.removed) out[c.urn] = c.id;
        }
        return out;
    }
    get adoptedVolumes(): readonly string[] {
        return [...this.realizer.adopted];
    }
    containerId(name: string): string {
        return this.realizer.find("container", name).id;
    }
    networkId(name: string): string {
        return this.realizer.find("network", name).id;
    }
    volumeName(name: string): string {
        return this.realizer.find("volume", name).id;
    }
    serviceId(name: string): string {
        return this.realizer.find("service", name).id;
    }
    secretId(name: string): string {
        return this.realizer.find("secret", name).id;
    }
    configId(name: string): string {
        return this.realizer.find("config", name).id;
    }
    swarmName(resourceName: string): string {
        const found = this.realizer.created.find((c) => c.resourceName === resourceName && (c.kind === "service" || c.kind === "secret" || c.kind === "config"));
        if (found === undefined) throw new Error(`no secret, config or service "${resourceName}" in this realization`);
        return found.name;
    }
    serviceImage(resourceName: string): ServiceImage {
        const found = this.realizer.find("service", resourceName).service;
        if (found === undefined) throw new Error(`service "${resourceName}" has no image record`);
        return found.image;
    }
    declaredOnEngine(resource: PlanResource): PlanResource {
        if (resource.type !== RESOURCE_TYPES.service) return resource;
        const references = this.realizer.references();
        const r = new FieldReader(describe(resource));
        const inputs = structuredClone(resource.inputs) as Record<string, unknown>;
        const task = inputs["taskSpec"] as Record<string, unknown> | undefined;
        const container = task?.["containerSpec"] as Record<string, unknown> | undefined;
        for (const kind of ["secret", "config"] as const) {
            const list = container?.[`${kind}s`];
            if (!Array.isArray(list)) continue;
            list.forEach((item: Record<string, unknown>, i) => {
                const resolved = references.object(kind, String(item[`${kind}Id`]), item[`${kind}Name`] as string | undefined, r, `taskSpec.containerSpec.${kind}s[${i}]`);
                item[`${kind}Id`] = resolved.id;
                if (item[`${kind}Name`] !== undefined) item[`${kind}Name`] = resolved.name;
            });
        }
        const networks = task?.["networksAdvanceds"];
        if (Array.isArray(networks)) {
            networks.forEach((n: Record<string, unknown>, i) => {
                n["name"] = references.network(String(n["name"]), r, `taskSpec.networksAdvanceds[${i}].name`);
            });
        }
        return { ...resource, inputs };
    }
    update(resource: PlanResource): Promise<void> {
        return this.realizer.updateService(resource);
    }
    proposedSwarmChanges(plan?: Plan | unknown): Promise<ProposedChange[]> {
        return this.realizer.proposedSwarmChanges(plan === undefined ? this.realizer.plan : parsePlan(plan), (r) => this.declaredOnEngine(r));
    }
    destroy(options?: DestroyOptions): Promise<void> {
        return this.realizer.destroy(options);
    }
}

function checkRunLabel(runLabel: string): void {
    if (typeof runLabel !== "string" || runLabel.trim() === "") throw new PlanError("realize: runLabel must be a non-empty string");
}

/**
 * Creates what the plan declares, in dependency order (dependsOn and parent). On failure the
 * partial result is destroyed (unless keepOnFailure) and a RealizeError is thrown.
 */
export async function realize(plan: Plan | unknown, options: RealizeOptions): Promise<Realization> {
    checkRunLabel(options.runLabel);
    const parsed = parsePlan(plan);
    const ordered = dependencyOrder(parsed);
    // every resource is checked before anything is created, so a bad plan creates nothing
    for (const resource of ordered) {
        resourceKind(resource);
        if (resource.type === RESOURCE_TYPES.container) {
            const { local } = resolveContainerImage(parsed, resource, options.imageMap);
            containerCreateOptions(resource, { image: local, labels: {} });
        } else if (resource.type === RESOURCE_TYPES.network) {
            networkCreateOptions(resource, { labels: {} });
        } else if (resource.type === RESOURCE_TYPES.volume) {
            volumeCreateOptions(resource, { labels: {} });
        } else if (resource.type === RESOURCE_TYPES.remoteImage) {
            remoteImageName(resource);
        } else if (resource.type === RESOURCE_TYPES.secret) {
            secretCreateSpec(resource, { labels: {}, autoName: resource.name });
        } else if (resource.type === RESOURCE_TYPES.serviceConfig) {
            configCreateSpec(resource, { labels: {}, autoName: resource.name });
        } else if (resource.type === RESOURCE_TYPES.service) {
            const { local } = resolveServiceImage(resource, options.imageMap);
            serviceCreateSpec(resource, { labels: {}, image: local, autoName: resource.name, references: new SwarmReferences(parsed) });
        }
    }
    const realizer = new Realizer(
        options.docker ?? new Dockerode(),
        parsed,
        options.imageMap,
        options.runLabel,
        options.log ?? ((): void => undefined),
        options.pollMilliseconds ?? 250,
        options.nodes ?? [],
    );
    const handle = new RealizationHandle(realizer);
    try {
        for (const resource of ordered) await realizer.realizeResource(resource);
    } catch (e) {
        let message = e instanceof Error ? e.message : String(e);
        if (options.keepOnFailure !== true) {
            try {
                await realizer.destroy();
            } catch (cleanup) {
                message += ` (and cleanup failed: ${messageOf(cleanup)})`;
            }
        }
        throw new RealizeError(message, handle, e);
    }
    return handle;
}

/**
 * Removes a realized container and creates it again from `resource` (the same plan resource,
 * possibly changed), reusing the realization's networks and volumes: named volumes and their
 * data survive. Returns the new container id.
 */
export async function replaceContainer(realization: Realization, resource: PlanResource): Promise<string> {
    if (!(realization instanceof RealizationHandle)) throw new Error("replaceContainer: not a realization made by realize()");
    const realizer = realization.realizer;
    if (resource.type !== RESOURCE_TYPES.container) throw new PlanError(`${describe(resource)}: replaceContainer takes a container resource`);
    const live = realizer.created.filter((c) => c.kind === "container" && !c.removed);
    const old = live.find((c) => c.urn === resource.urn) ?? live.find((c) => c.resourceName === resource.name);
    if (old === undefined) throw new Error(`replaceContainer: ${describe(resource)} is not a live container of this realization`);
    // checked before the old one goes away
    const { local } = resolveContainerImage(realizer.plan, resource, realizer.imageMap);
    containerCreateOptions(resource, { image: local, labels: {} });
    await realizer.removeContainerRecord(old);
    return realizer.createContainer(resource);
}

/** What removeByLabel removed; the swarm counts are there only when the engine is a swarm manager. */
export interface RemovedByLabel {
    containers: number;
    networks: number;
    volumes: number;
    services?: number;
    secrets?: number;
    configs?: number;
}

/**
 * Removes everything labelled with this run label (cleanup after a crashed run): on a swarm
 * manager its services first (then waits for their task containers to go on every engine given),
 * its secrets and configs; on `docker` and every one of `nodes` (a swarm's other nodes) the
 * containers and volumes; networks on `docker`.
 */
export async function removeByLabel(docker: Dockerode, runLabel: string, nodes: readonly Dockerode[] = []): Promise<RemovedByLabel> {
    checkRunLabel(runLabel);
    const filters = { label: [`${RUN_LABEL_KEY}=${runLabel}`] };
    const counts: RemovedByLabel = { containers: 0, networks: 0, volumes: 0 };
    const failures: string[] = [];
    const engines = [docker, ...nodes];
    let services: Dockerode.Service[] | undefined;
    try {
        services = (await docker.listServices({ filters })).map((info) => docker.getService(info.ID as string));
    } catch (e) {
        if (!notASwarmManager(e)) throw e;
    }
    if (services !== undefined) {
        counts.services = 0;
        for (const service of services) {
            try {
                await service.remove();
                counts.services++;
            } catch (e) {
                if (statusOf(e) !== 404) failures.push(`service ${service.id.slice(0, 12)}: ${messageOf(e)}`);
            }
        }
        await waitTaskContainersGone(engines, services.map((sv) => sv.id), 60_000).catch((e: unknown) => failures.push(`task containers: ${messageOf(e)}`));
    }
    for (const engine of engines) {
        for (const info of await engine.listContainers({ all: true, filters })) {
            try {
                await engine.getContainer(info.Id).remove({ force: true, v: true });
                counts.containers++;
            } catch (e) {
                if (statusOf(e) !== 404 && !/already in progress/i.test(messageOf(e))) failures.push(`container ${info.Id.slice(0, 12)}: ${messageOf(e)}`);
            }
        }
    }
    if (services !== undefined) {
        counts.secrets = 0;
        counts.configs = 0;
        for (const info of await docker.listSecrets({ filters })) {
            try {
                await docker.getSecret(info.ID).remove();
                counts.secrets++;
            } catch (e) {
                if (statusOf(e) !== 404) failures.push(`secret ${info.ID.slice(0, 12)}: ${messageOf(e)}`);
            }
        }
        for (const info of await docker.listConfigs({ filters })) {
            try {
                await docker.getConfig(info.ID).remove();
                counts.configs++;
            } catch (e) {
                if (statusOf(e) !== 404) failures.push(`config ${info.ID.slice(0, 12)}: ${messageOf(e)}`);
            }
        }
    }
    for (const info of await docker.listNetworks({ filters })) {
        // an overlay network stays "in use" a moment after its last task container goes
        for (let deadline = Date.now() + 15_000; ; ) {
            try {
                await docker.getNetwork(info.Id).remove();
                counts.networks++;
            } catch (e) {
                if (/active endpoints|in use/i.test(messageOf(e)) && Date.now() < deadline) {
                    await sleep(250);
                    continue;
                }
                if (statusOf(e) !== 404) failures.push(`network ${info.Name}: ${messageOf(e)}`);
            }
            break;
        }
    }
    for (const engine of engines) {
        const volumes = (await engine.listVolumes({ filters })).Volumes ?? [];
        for (const info of volumes) {
            try {
                await engine.getVolume(info.Name).remove();
                counts.volumes++;
            } catch (e) {
                if (statusOf(e) !== 404) failures.push(`volume ${info.Name}: ${messageOf(e)}`);
            }
        }
    }
    if (failures.length > 0) throw new Error(`removeByLabel left objects behind: ${failures.join("; ")}`);
    return counts;
}
