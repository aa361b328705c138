// The provider's convergence decision (replicatedConsoleLogUpdater, tasksBySlot), its update's
// progress (resourceDockerServiceUpdateRefreshFunc) and the timing of its StateChangeConf waits, pure.

import {
    ReplicatedProgress,
    TaskView,
    UPDATE_DELAY_MS,
    convergeState,
    refreshSchedule,
    tasksBySlot,
    terminalState,
    updateState,
} from "../../tools/realize/swarmConverge";

const task = (slot: number, state: string, desired = "running", node = "n1"): TaskView => ({ Slot: slot, NodeID: node, DesiredState: desired, Status: { State: state } });
const ACTIVE = new Set(["n1", "n2"]);
const service = (replicas?: number) => ({ Spec: { Mode: { Replicated: replicas === undefined ? {} : { Replicas: replicas } } } });

describe("convergence", () => {
    it("counts a service converged when as many slots run as it has replicas", () => {
        expect(new ReplicatedProgress().update(1, [task(1, "running")], ACTIVE)).toBe(true);
        expect(new ReplicatedProgress().update(2, [task(1, "running"), task(2, "running", "running", "n2")], ACTIVE)).toBe(true);
        expect(new ReplicatedProgress().update(2, [task(1, "running"), task(2, "starting")], ACTIVE)).toBe(false);
    });

    it("does not count a task still starting (the executor holds a task with a healthcheck there until healthy), nor one being shut down", () => {
        for (const state of ["new", "pending", "assigned", "preparing", "starting"]) {
            expect(new ReplicatedProgress().update(1, [task(1, state)], ACTIVE)).toBe(false);
        }
        expect(new ReplicatedProgress().update(1, [task(1, "running", "shutdown")], ACTIVE)).toBe(false);
        expect(terminalState("shutdown")).toBe(true);
        expect(terminalState("running")).toBe(false);
    });

    it("takes one task per slot: the lowest desired state, then the lowest observed state", () => {
        // a restarted slot: the old task desired shutdown, the new one desired running but still starting
        const restarted = [task(1, "running", "shutdown"), task(1, "starting", "running")];
        expect(tasksBySlot(restarted, ACTIVE).get(1)?.Status?.State).toBe("starting");
        expect(new ReplicatedProgress().update(1, restarted, ACTIVE)).toBe(false);
        // start-first: two tasks desired running in one slot, the lower observed state breaks the tie
        expect(tasksBySlot([task(1, "running"), task(1, "starting")], ACTIVE).get(1)?.Status?.State).toBe("starting");
    });

    it("leaves out tasks on nodes that are down and tasks in states it does not know", () => {
        expect(tasksBySlot([task(1, "running", "running", "gone")], ACTIVE).size).toBe(0);
        expect(tasksBySlot([{ Slot: 1, DesiredState: "running", Status: { State: "running" } }], ACTIVE).size).toBe(1); // not on a node yet
        expect(tasksBySlot([task(1, "orphaned")], ACTIVE).size).toBe(0);
        const nodes = [
            { ID: "n1", Status: { State: "down" } },
            { ID: "n2", Status: { State: "ready" } },
        ];
        expect(convergeState(service(1), [task(1, "running", "running", "n1")], nodes)).toBe("creating");
        expect(convergeState(service(1), [task(1, "running", "running", "n2")], nodes)).toBe("running");
    });

    it("fails on a service without a replica count, as the provider does", () => {
        expect(() => new ReplicatedProgress().update(undefined, [], ACTIVE)).toThrow("no replica count");
        expect(() => convergeState(service(), [], [])).toThrow("no replica count");
    });
});

describe("the update's progress (resourceDockerServiceUpdateRefreshFunc)", () => {
    const nodes = [{ ID: "n1", Status: { State: "ready" } }];
    const updating = (state: string, message = "") => ({ ...service(1), UpdateStatus: { State: state, Message: message } });

    it("is completed when the engine says so, or when the replicas run without an update status", () => {
        expect(updateState(updating("completed"), [], nodes)).toBe("completed");
        expect(updateState(service(1), [task(1, "running")], nodes)).toBe("completed");
        expect(updateState(updating("updating"), [task(1, "starting")], nodes)).toBe("updating");
        expect(updateState(updating("updating"), [task(1, "running")], nodes)).toBe("completed");
    });

    it("fails at once on a paused update and on a rollback, with the engine's message", () => {
        expect(() => updateState(updating("paused", "update paused due to failure or early termination of task x"), [], nodes)).toThrow(
            "service update paused: update paused due to failure or early termination of task x",
        );
        expect(() => updateState(updating("rollback_completed", "rollback completed"), [], nodes)).toThrow("service rollback completed: rollback completed");
        expect(() => updateState(updating("rollback_paused", "m"), [], nodes)).toThrow("service rollback paused: m");
        // a rollback in progress whose replicas run again counts as the rollback's completion
        expect(() => updateState(updating("rollback_started", "update rolled back"), [task(1, "running")], nodes)).toThrow("service rollback completed: update rolled back");
        expect(updateState(updating("rollback_started"), [task(1, "starting")], nodes)).toBe("updating");
    });

    it("first looks 7 s after the update, whatever converge_config's delay", () => {
        expect(refreshSchedule(UPDATE_DELAY_MS, 5_000, 30_000)).toEqual([7_000, 12_000, 22_000]);
    });
});

describe("the provider's waits", () => {
    it("looks after the delay, then 5 s later, then every 10 s, until the timeout", () => {
        expect(refreshSchedule(1_000, 5_000, 8_000)).toEqual([1_000, 6_000]);
        expect(refreshSchedule(1_000, 5_000, 60_000)).toEqual([1_000, 6_000, 16_000, 26_000, 36_000, 46_000, 56_000]);
        // the schema's defaults: delay 7s, timeout 3m
        const defaults = refreshSchedule(7_000, 5_000, 180_000);
        expect(defaults.slice(0, 4)).toEqual([7_000, 12_000, 22_000, 32_000]);
        expect(defaults.at(-1)).toBe(172_000);
        expect(refreshSchedule(10_000, 5_000, 5_000)).toEqual([]);
    });
});
