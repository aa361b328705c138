// The provider's Swarm calls against a real engine (the swarm manager): Create of a service with
// its registry lookup, its convergence wait and its Read, and Delete; plus the realizer's own
// clean-up across the swarm's nodes. The decisions are pure (swarmConverge.ts); this module only
// calls the engine and keeps the provider's timing.

import type Dockerode from "dockerode";

import { CONVERGE_MIN_TIMEOUT_MS, READ_DELAY_MS, READ_MIN_TIMEOUT_MS, READ_TIMEOUT_MS, TaskView, UPDATE_DELAY_MS, convergeState, refreshSchedule, updateState } from "./swarmConverge";
import { ConvergeSettings, ServiceSpecBody, didNotConvergeMessage } from "./swarmMapping";
import { parseImageReference } from "./swarmNames";
import { parseGoDuration } from "./goDuration";
import { messageOf, statusOf } from "./engineErrors";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function dial<T>(docker: Dockerode, options: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
        (docker.modem as unknown as { dial(o: Record<string, unknown>, cb: (err: unknown, data: T) => void): void }).dial(options, (err, data) =>
            err ? reject(err) : resolve(data),
        );
    });
}

/**
 * The registry lookup ServiceCreate does with QueryRegistry (docker client/service_create.go
 * resolveContainerSpecImage → imageDigestAndPlatforms → DistributionInspect, GET
 * /distribution/{image}/json with the encoded registry auth): on success the image is pinned to
 * its digest and Placement.Platforms set from the manifest (architecture cleared for "arm"); on
 * failure the spec is left alone and the client adds digestWarning's text to the warnings.
 * resourceDockerServiceCreate sets QueryRegistry: true and EncodedRegistryAuth to the URL-safe
 * base64 of the marshalled (here empty) AuthConfig, "e30=".
 */
export async function pinImageDigest(docker: Dockerode, body: ServiceSpecBody): Promise<string | undefined> {
    const image = body.TaskTemplate.ContainerSpec.Image;
    let inspect: { Descriptor?: { digest?: string }; Platforms?: Array<{ architecture?: string; os?: string }> };
    try {
        inspect = await dial(docker, { path: `/distribution/${image}/json`, method: "GET", authconfig: {}, statusCodes: { 200: true, 401: "unauthorized", 403: "forbidden", 404: "not found", 500: "server error" } });
    } catch {
        return (
            `image ${image} could not be accessed on a registry to record\nits digest. Each node will access ${image} independently,\n` +
            "possibly leading to different nodes running different\nversions of the image.\n"
        );
    }
    const digest = inspect.Descriptor?.digest;
    const ref = parseImageReference(image);
    if (digest !== undefined && ref !== undefined && ref.digest === undefined) {
        // imageWithDigestString: reference.WithDigest keeps the tag, then FamiliarString
        body.TaskTemplate.ContainerSpec.Image = `${image}@${digest}`;
    }
    const platforms = (inspect.Platforms ?? []).map((p) => ({ Architecture: (p.architecture ?? "").toLowerCase() === "arm" ? "" : (p.architecture ?? ""), OS: p.os ?? "" }));
    if (platforms.length > 0) {
        const placement = (body.TaskTemplate["Placement"] ?? {}) as Record<string, unknown>;
        placement["Platforms"] = platforms;
        body.TaskTemplate["Placement"] = placement;
    }
    return undefined;
}

/** POST /services/create as client.ServiceCreate sends it: the spec, the registry auth header. */
export async function createServiceRequest(docker: Dockerode, body: ServiceSpecBody): Promise<{ id: string; warnings: string[] }> {
    const response = await dial<{ ID?: string; Id?: string; Warnings?: string[] | null }>(docker, {
        path: "/services/create",
        method: "POST",
        options: body,
        authconfig: {},
        statusCodes: { 200: true, 201: true, 400: "bad parameter", 403: "network is not eligible for services", 409: "name conflicts with an existing service", 500: "server error", 503: "node is not part of a swarm" },
    });
    const id = response.ID ?? response.Id;
    if (id === undefined) throw new Error("the engine answered the service create without an id");
    return { id, warnings: response.Warnings ?? [] };
}

/** The convergence wait timed out: the provider turns this into DidNotConvergeError. */
export class ConvergeTimeout extends Error {
    constructor(
        readonly serviceId: string,
        readonly timeoutNs: number,
        readonly lastTasks: string,
    ) {
        super(didNotConvergeMessage(serviceId, timeoutNs));
        this.name = "ConvergeTimeout";
    }
}

/** One line per task of the service, for messages: "slot 1 on <node>: starting (desired running)". */
function describeTasks(tasks: readonly TaskView[]): string {
    return tasks
        .map((t) => `slot ${t.Slot ?? 0}: ${t.Status?.State ?? "?"} (desired ${t.DesiredState ?? "?"})${t.Status?.Err ? `: ${t.Status.Err}` : ""}`)
        .join("; ");
}

/**
 * The Create's wait with converge_config: StateChangeConf{Delay: delay, MinTimeout: 5s, Timeout:
 * timeout} over resourceDockerServiceCreateRefreshFunc. Resolves once converged; throws
 * ConvergeTimeout on timeout and the engine's error on a failed refresh.
 */
export async function waitForConvergence(docker: Dockerode, serviceId: string, converge: ConvergeSettings, log: (line: string) => void): Promise<void> {
    const start = Date.now();
    const timeoutMs = converge.timeoutNs / 1e6;
    let lastTasks: TaskView[] = [];
    for (const at of refreshSchedule(converge.delayNs / 1e6, CONVERGE_MIN_TIMEOUT_MS, timeoutMs)) {
        await sleep(start + at - Date.now());
        const service = (await docker.getService(serviceId).inspect()) as { Spec?: { Mode?: { Replicated?: { Replicas?: number } } } };
        const tasks = (await docker.listTasks({ filters: { service: [serviceId], "desired-state": ["running"] } })) as TaskView[];
        const nodes = (await docker.listNodes()) as Array<{ ID?: string; Status?: { State?: string } }>;
        lastTasks = tasks;
        const state = convergeState(service, tasks, nodes);
        log(`service ${serviceId.slice(0, 12)}: ${state} (${describeTasks(tasks) || "no task yet"})`);
        if (state === "running") return;
    }
    await sleep(start + timeoutMs - Date.now());
    throw new ConvergeTimeout(serviceId, converge.timeoutNs, describeTasks(lastTasks));
}

/**
 * POST /services/{id}/update?version=N as client.ServiceUpdate sends it from
 * resourceDockerServiceUpdate: the whole spec again, the registry auth header, no QueryRegistry
 * (so no digest lookup). Returns the engine's warnings.
 */
export async function updateServiceRequest(docker: Dockerode, serviceId: string, version: number, body: ServiceSpecBody): Promise<string[]> {
    const response = await dial<{ Warnings?: string[] | null }>(docker, {
        path: `/services/${serviceId}/update?`,
        method: "POST",
        options: { _query: { version }, _body: body },
        authconfig: {},
        statusCodes: { 200: true, 400: "bad parameter", 404: "no such service", 500: "server error", 503: "node is not part of a swarm" },
    });
    return response.Warnings ?? [];
}

/**
 * The Update's wait with converge_config: StateChangeConf{Pending: creating/updating, Target:
 * completed, Delay: 7s, MinTimeout: 5s, Timeout: converge timeout} over
 * resourceDockerServiceUpdateRefreshFunc (updateState). A timeout is DidNotConvergeError (the
 * service stays); a paused update or a completed rollback fails at once with the engine's message.
 */
export async function waitForUpdate(docker: Dockerode, serviceId: string, converge: ConvergeSettings, log: (line: string) => void): Promise<void> {
    const start = Date.now();
    const timeoutMs = converge.timeoutNs / 1e6;
    let lastTasks: TaskView[] = [];
    for (const at of refreshSchedule(UPDATE_DELAY_MS, CONVERGE_MIN_TIMEOUT_MS, timeoutMs)) {
        await sleep(start + at - Date.now());
        const service = (await docker.getService(serviceId).inspect()) as Parameters<typeof updateState>[0];
        const tasks = (await docker.listTasks({ filters: { service: [serviceId], "desired-state": ["running"] } })) as TaskView[];
        const nodes = (await docker.listNodes()) as Array<{ ID?: string; Status?: { State?: string } }>;
        lastTasks = tasks;
        const state = updateState(service, tasks, nodes);
        log(`service ${serviceId.slice(0, 12)}: ${state} (update ${service.UpdateStatus?.State ?? "not started"}; ${describeTasks(tasks) || "no task"})`);
        if (state === "completed") return;
    }
    await sleep(start + timeoutMs - Date.now());
    throw new ConvergeTimeout(serviceId, converge.timeoutNs, describeTasks(lastTasks));
}

/**
 * resourceDockerServiceRead: StateChangeConf{Delay: 2s, MinTimeout: 5s, Timeout: 30s} until the
 * service shows an endpoint mode (Endpoint.Spec.Mode or Spec.EndpointSpec.Mode). Returns the last
 * inspection.
 */
export async function readService(docker: Dockerode, serviceId: string): Promise<Record<string, unknown>> {
    const start = Date.now();
    for (const at of refreshSchedule(READ_DELAY_MS, READ_MIN_TIMEOUT_MS, READ_TIMEOUT_MS)) {
        await sleep(start + at - Date.now());
        const info = (await docker.getService(serviceId).inspect()) as Record<string, unknown> & {
            Endpoint?: { Spec?: { Mode?: string } };
            Spec?: { EndpointSpec?: { Mode?: string } };
        };
        if ((info.Endpoint?.Spec?.Mode ?? "") !== "" || (info.Spec?.EndpointSpec?.Mode ?? "") !== "") return info;
    }
    throw new Error(`service ${serviceId}: no endpoint spec within ${READ_TIMEOUT_MS / 1000}s (the provider's Read times out)`);
}

/**
 * The provider's deleteService (resource_docker_service_funcs.go): when stop_grace_period is set
 * and not "0s", it first lists the service's tasks (filter service=<name>) and keeps the container
 * ids of those not shut down; then ServiceRemove; then, for each kept container, ContainerWait
 * (condition "removed") bounded by the grace period, and ContainerRemove (force, volumes),
 * "No such container" and "already in progress" ignored. All through the one client it has: the
 * manager, so containers on other nodes are not waited for (their wait answers "No such container").
 */
export async function deleteService(docker: Dockerode, serviceId: string, serviceName: string, stopGracePeriod: string | undefined): Promise<void> {
    const graceMs = stopGracePeriod !== undefined && stopGracePeriod !== "" && stopGracePeriod !== "0s" ? parseGoDuration(stopGracePeriod) / 1e6 : undefined;
    const containerIds: string[] = [];
    if (graceMs !== undefined) {
        const tasks = (await docker.listTasks({ filters: { service: [serviceName] } })) as Array<TaskView & { Status?: { ContainerStatus?: { ContainerID?: string } } }>;
        for (const task of tasks) {
            const id = task.Status?.ContainerStatus?.ContainerID?.trim() ?? "";
            if (id !== "" && task.Status?.State !== "shutdown") containerIds.push(id);
        }
    }
    try {
        await docker.getService(serviceId).remove();
    } catch (e) {
        throw new Error(`Error deleting service with ID '${serviceId}': ${messageOf(e)}`);
    }
    if (graceMs === undefined) return;
    for (const id of containerIds) {
        const container = docker.getContainer(id);
        // ContainerWait(ctx with the grace period as timeout, WaitConditionRemoved): a container
        // still there when the grace period ends fails the Delete ("context deadline exceeded")
        const abort = new AbortController();
        const timer = setTimeout(() => abort.abort(), graceMs);
        try {
            await dial(docker, { path: `/containers/${id}/wait?condition=removed`, method: "POST", abortSignal: abort.signal, statusCodes: { 200: true, 400: "bad parameter", 404: "no such container", 500: "server error" } });
        } catch (e) {
            if (abort.signal.aborted) throw new Error(`error on wait for container with ID '${id}': context deadline exceeded`);
            if (!/No such container/i.test(messageOf(e)) && statusOf(e) !== 404) throw new Error(`error on wait for container with ID '${id}': ${messageOf(e)}`);
        } finally {
            clearTimeout(timer);
        }
        try {
            await container.remove({ force: true, v: true });
        } catch (e) {
            if (!/No such container|is already in progress/i.test(messageOf(e)) && statusOf(e) !== 404) {
                throw new Error(`Error deleting container with ID '${id}': ${messageOf(e)}`);
            }
        }
    }
}

/**
 * The realizer's own clean-up, not the provider's: waits until no task container of the given
 * services is left on any of the clients (the manager and the other nodes), then removes what is
 * still there. Swarm removes a deleted service's containers on its own, a little later.
 */
export async function waitTaskContainersGone(clients: readonly Dockerode[], serviceIds: readonly string[], timeoutMs: number): Promise<void> {
    if (serviceIds.length === 0) return;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const left: Array<{ client: Dockerode; id: string }> = [];
        for (const client of clients) {
            for (const id of serviceIds) {
                for (const c of await client.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.id=${id}`] } })) left.push({ client, id: c.Id });
            }
        }
        if (left.length === 0) return;
        if (Date.now() >= deadline) {
            for (const { client, id } of left) {
                try {
                    await client.getContainer(id).remove({ force: true, v: true });
                } catch (e) {
                    if (statusOf(e) !== 404 && !/already in progress/i.test(messageOf(e))) throw e;
                }
            }
            return;
        }
        await sleep(250);
    }
}

/** Whether an engine error says the node is not a swarm manager (then it holds no services, secrets or configs). */
export function notASwarmManager(error: unknown): boolean {
    return statusOf(error) === 503 || /not a swarm manager|not part of a swarm/i.test(messageOf(error));
}
