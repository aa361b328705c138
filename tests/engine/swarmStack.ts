// What the Swarm scenario tests and the Swarm benchmark share: the swarm stack's plan as this
// kernel needs it (dnsrr and host-mode publishing when it has no IPVS), realized on the test swarm
// through its manager, and views of a service's running tasks by node.
import Dockerode from "dockerode";
import type { Plan } from "../../tools/plan/evaluate";
import { Realization, realize } from "../../tools/realize/realizer";
import { SwarmNet, nodeIndexById } from "../../tools/engine/swarmNet";
import { ENGINE_CONFIG, IMAGE_MAP, waitFor } from "./harness";
import { renderPlan } from "../helpers/planCli";

export const SERVICE = "docker:index/service:Service";

/**
 * The endpoint mode and publishing the stack gets on this swarm: Docker's defaults (vip, ingress)
 * where the kernel has IPVS, dnsrr and host mode where it has not (as swarm-up.sh's probe found).
 */
export function endpointConfig(net: SwarmNet): Record<string, string> {
    return net.capabilities.ipvs ? { swarmEndpointMode: "vip", swarmPublishMode: "ingress" } : { swarmEndpointMode: "dnsrr", swarmPublishMode: "host" };
}

/** The swarm stack's plan with secrets shown (the realizer needs them) and this swarm's endpoint settings. */
export function swarmPlan(net: SwarmNet, config: Record<string, string | number | boolean>): Plan {
    return renderPlan("swarm", { config: { ...ENGINE_CONFIG, ...endpointConfig(net), ...config }, showSecrets: true });
}

/** Realizes a plan on the swarm's manager, the other nodes given so that destroy leaves nothing on them. */
export function realizeOnSwarm(net: SwarmNet, plan: Plan, label: string, log?: (line: string) => void): Promise<Realization> {
    return realize(plan, { docker: net.manager, nodes: net.nodes.filter((n) => n.index !== 1).map((n) => n.docker), imageMap: IMAGE_MAP, runLabel: label, log });
}

export interface RunningTask {
    id: string;
    node: number;
    address: string;
    containerId: string;
    slot: number;
}

/** The service's tasks that run now (desired and current state running), with their node. */
export async function runningTasks(net: SwarmNet, serviceName: string): Promise<RunningTask[]> {
    const nodeOf = await nodeIndexById(net);
    const tasks = (await net.manager.listTasks({ filters: JSON.stringify({ service: [serviceName], "desired-state": ["running"] }) })) as Array<Record<string, any>>;
    return tasks
        .filter((t) => t.Status?.State === "running")
        .map((t) => {
            const node = nodeOf.get(t.NodeID) ?? 0;
            return {
                id: t.ID,
                node,
                address: net.nodes.find((n) => n.index === node)?.address ?? "",
                containerId: t.Status?.ContainerStatus?.ContainerID ?? "",
                slot: t.Slot,
            };
        })
        .sort((a, b) => a.node - b.node);
}

/** Waits until exactly `count` tasks of the service run and no other task is still starting. */
export function waitForRunning(net: SwarmNet, serviceName: string, count: number, timeoutMs: number, extra: (tasks: RunningTask[]) => boolean = () => true): Promise<RunningTask[]> {
    return waitFor(`${count} running task(s) of ${serviceName}`, timeoutMs, async () => {
        const tasks = await runningTasks(net, serviceName);
        return tasks.length === count && extra(tasks) ? tasks : undefined;
    }, 500);
}

/** The service's last update as Swarm reports it (`completed`, `rollback_completed`, ...), or `none`. */
export async function updateStatus(net: SwarmNet, serviceName: string): Promise<string> {
    const info = (await net.manager.getService(serviceName).inspect()) as { UpdateStatus?: { State?: string; Message?: string } };
    return info.UpdateStatus ? `${info.UpdateStatus.State}${info.UpdateStatus.Message ? ` (${info.UpdateStatus.Message})` : ""}` : "none";
}

/** The engine of the node that runs a task. */
export function nodeDocker(net: SwarmNet, node: number): Dockerode {
    const found = net.nodes.find((n) => n.index === node);
    if (!found) throw new Error(`no node ${node}`);
    return found.docker;
}
