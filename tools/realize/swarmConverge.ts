// The provider's wait for a service to converge, as pure logic: which tasks count, when the
// service counts as converged, and when the provider looks. Followed source:
// internal/provider/resource_docker_service_funcs.go @ a5332be18d8d9e218252eb5d69700eaf7a3b8e2a:
// - resourceDockerServiceCreate: without converge_config Create returns as soon as ServiceCreate
//   answers (then Read). With it, a resource.StateChangeConf{Pending: serviceCreatePendingStates,
//   Target: ["running", "complete"], Refresh: resourceDockerServiceCreateRefreshFunc, Timeout:
//   converge timeout, MinTimeout: 5s, Delay: converge delay}; on any error (a timeout included) it
//   calls deleteService, and a timeout becomes DidNotConvergeError "Service with ID (<id>) did not
//   converge after <timeout>".
// - resourceDockerServiceCreateRefreshFunc: ServiceInspect, TaskList{service=<id>,
//   desired-state=running}, getActiveNodes (every node whose Status.State is not "down"), then
//   replicatedConsoleLogUpdater.update: "running" when as many slots run as the service has replicas.
// - replicatedConsoleLogUpdater.update / tasksBySlot / terminalState / numberedStates, below.
// A task of a service with a healthcheck reports "running" only once its container is healthy (the
// swarm executor holds it in "starting" until then), so "running" here means running and healthy.
//
// The schedule is terraform-plugin-sdk/v2 helper/resource StateChangeConf.WaitForStateContext:
// sleep Delay, refresh at once, then wait 100 ms doubled after each refresh, bounded below by
// MinTimeout and above by 10 s (so 5 s, 10 s, 10 s...), until the target or the Timeout (counted
// from the start, the Delay included).

/** numberedStates: the task states in the order of swarm's state machine; others count as 0. */
export const TASK_STATE_ORDER: Readonly<Record<string, number>> = {
    new: 1,
    allocated: 2,
    pending: 3,
    assigned: 4,
    accepted: 5,
    preparing: 6,
    ready: 7,
    starting: 8,
    running: 9,
    complete: 10,
    shutdown: 11,
    failed: 12,
    rejected: 13,
};

/** The fields of GET /tasks that the updater reads. */
export interface TaskView {
    ID?: string;
    Slot?: number;
    NodeID?: string;
    DesiredState?: string;
    Status?: { State?: string; Err?: string; Message?: string };
}

const order = (state: string | undefined): number => (state === undefined ? 0 : (TASK_STATE_ORDER[state] ?? 0));

/** terminalState: a state past "running". */
export function terminalState(state: string | undefined): boolean {
    return order(state) > TASK_STATE_ORDER["running"]!;
}

/**
 * tasksBySlot: one task per slot, on active nodes only (a task not yet on a node counts); among
 * tasks of one slot the lowest desired state wins, then the lowest observed state.
 */
export function tasksBySlot(tasks: readonly TaskView[], activeNodes: ReadonlySet<string>): Map<number, TaskView> {
    const bySlot = new Map<number, TaskView>();
    for (const task of tasks) {
        if (order(task.DesiredState) === 0 || order(task.Status?.State) === 0) continue;
        const slot = task.Slot ?? 0;
        const existing = bySlot.get(slot);
        if (existing !== undefined) {
            if (order(existing.DesiredState) < order(task.DesiredState)) continue;
            if (order(existing.DesiredState) === order(task.DesiredState) && order(existing.Status?.State) <= order(task.Status?.State)) continue;
        }
        if (task.NodeID !== undefined && task.NodeID !== "" && !activeNodes.has(task.NodeID)) continue;
        bySlot.set(slot, task);
    }
    return bySlot;
}

/**
 * replicatedConsoleLogUpdater: one per wait (the refresh function makes a new one each time, so
 * `done` never carries over). update() answers whether as many slots run as there are replicas;
 * a service without a replica count is an error ("no replica count").
 */
export class ReplicatedProgress {
    private done = false;

    update(replicas: number | undefined, tasks: readonly TaskView[], activeNodes: ReadonlySet<string>): boolean {
        if (replicas === undefined) throw new Error("no replica count");
        const bySlot = tasksBySlot(tasks, activeNodes);
        if (this.done) {
            for (const task of bySlot.values()) {
                if (task.Status?.State !== "running") {
                    this.done = false;
                    break;
                }
            }
        }
        let running = 0;
        for (const task of bySlot.values()) {
            if (!terminalState(task.DesiredState) && task.Status?.State === "running") running++;
        }
        if (!this.done && running === replicas) this.done = true;
        return running === replicas;
    }
}

/** A refresh of resourceDockerServiceCreateRefreshFunc: "running" (converged) or "creating". */
export function convergeState(
    service: { Spec?: { Mode?: { Replicated?: { Replicas?: number } } } },
    tasks: readonly TaskView[],
    nodes: ReadonlyArray<{ ID?: string; Status?: { State?: string } }>,
): "running" | "creating" {
    const active = new Set(nodes.filter((n) => n.Status?.State !== "down" && n.ID !== undefined).map((n) => n.ID as string));
    return new ReplicatedProgress().update(service.Spec?.Mode?.Replicated?.Replicas, tasks, active) ? "running" : "creating";
}

/**
 * A refresh of resourceDockerServiceUpdateRefreshFunc: the service's UpdateStatus decides first
 * (completed → done; rollback_started → the tasks are counted as a rollback; rollback_completed,
 * paused, rollback_paused → the errors below, with the engine's message); otherwise, as for a
 * create, "completed" once as many slots run as there are replicas, unless that was a rollback
 * ("service rollback completed: ..."). Errors end the provider's wait at once.
 */
export function updateState(
    service: { Spec?: { Mode?: { Replicated?: { Replicas?: number } } }; UpdateStatus?: { State?: string; Message?: string } | null },
    tasks: readonly TaskView[],
    nodes: ReadonlyArray<{ ID?: string; Status?: { State?: string } }>,
): "completed" | "updating" {
    let rollback = false;
    const status = service.UpdateStatus;
    if (status !== undefined && status !== null) {
        const message = status.Message ?? "";
        switch (status.State) {
            case "updating":
                rollback = false;
                break;
            case "completed":
                return "completed";
            case "rollback_started":
                rollback = true;
                break;
            case "rollback_completed":
                throw new Error(`service rollback completed: ${message}`);
            case "paused":
                throw new Error(`service update paused: ${message}`);
            case "rollback_paused":
                throw new Error(`service rollback paused: ${message}`);
        }
    }
    const active = new Set(nodes.filter((n) => n.Status?.State !== "down" && n.ID !== undefined).map((n) => n.ID as string));
    if (new ReplicatedProgress().update(service.Spec?.Mode?.Replicated?.Replicas, tasks, active)) {
        if (rollback) throw new Error(`service rollback completed: ${status?.Message ?? ""}`);
        return "completed";
    }
    return "updating";
}

/** resourceDockerServiceUpdate's wait: StateChangeConf{Delay: 7s (fixed, not converge_config's delay), MinTimeout: 5s, Timeout: converge timeout}. */
export const UPDATE_DELAY_MS = 7_000;

/** StateChangeConf's default bounds: MinTimeout as given, at most 10 s between refreshes. */
const MAX_WAIT_MS = 10_000;

/**
 * When StateChangeConf refreshes, in ms from the start: Delay, then after waits of 100 ms doubled
 * per refresh and held within [MinTimeout, 10 s]; refreshes that would start at or after the
 * Timeout do not happen.
 */
export function refreshSchedule(delayMs: number, minTimeoutMs: number, timeoutMs: number): number[] {
    const times: number[] = [];
    let at = delayMs;
    let wait = 100;
    while (at < timeoutMs) {
        times.push(at);
        wait *= 2;
        if (wait < minTimeoutMs) wait = minTimeoutMs;
        else if (wait > MAX_WAIT_MS) wait = MAX_WAIT_MS;
        at += wait;
        if (times.length > 10_000) break;
    }
    return times;
}

/** The provider's Create refresh bounds: converge_config's delay and timeout, MinTimeout 5 s. */
export const CONVERGE_MIN_TIMEOUT_MS = 5_000;
/** resourceDockerServiceRead: StateChangeConf{Delay: 2s, MinTimeout: 5s, Timeout: 30s} until the endpoint spec shows. */
export const READ_DELAY_MS = 2_000;
export const READ_MIN_TIMEOUT_MS = 5_000;
export const READ_TIMEOUT_MS = 30_000;
