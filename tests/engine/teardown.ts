// Runs once after the engine suite, whatever happened in it: removes every container, network and
// volume an engine test labelled, so that a crashed or failed test leaves nothing behind; and, when
// a test swarm is up (tools/engine/swarm-up.sh), this run's services, secrets, configs and networks
// on its manager and its task containers and volumes on every node.
import * as fs from "fs";
import Dockerode from "dockerode";
import { RUN_LABEL_KEY, removeByLabel } from "../../tools/realize/realizer";
import { engine, isThisRunsLabel } from "./harness";

const SWARM_ENV = process.env.SWARM_ENV_FILE ?? "/tmp/openwebui-valkey-swarm/env";

export default async function teardown(): Promise<void> {
    await mainEngine();
    await swarm().catch((e: unknown) => process.stderr.write(`engine teardown: the swarm's leftovers could not be checked: ${(e as Error).message}\n`));
}

async function mainEngine(): Promise<void> {
    let docker: Dockerode;
    try {
        docker = await engine();
    } catch {
        return; // no engine: nothing can have been created
    }
    // Only this run's: another run on the same engine may still be working.
    const ours = (labels: Record<string, string> | undefined | null) => isThisRunsLabel(labels?.[RUN_LABEL_KEY]);
    const filters = { label: [RUN_LABEL_KEY] };
    const left: string[] = [];
    for (const c of await docker.listContainers({ all: true, filters })) {
        if (ours(c.Labels)) {
            left.push(`container ${c.Names.join(",")}`);
            await docker.getContainer(c.Id).remove({ force: true, v: true });
        }
    }
    for (const n of await docker.listNetworks({ filters })) {
        if (ours(n.Labels)) {
            left.push(`network ${n.Name}`);
            await docker.getNetwork(n.Id).remove();
        }
    }
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) {
        if (ours(v.Labels)) {
            left.push(`volume ${v.Name}`);
            await docker.getVolume(v.Name).remove();
        }
    }
    if (left.length > 0) {
        process.stderr.write(`engine teardown removed what tests left behind: ${left.join("; ")}\n`);
    }
}

/** The swarm's manager and other nodes from swarm-up.sh's env file; undefined when there is no swarm. */
function swarmClients(): { manager: Dockerode; nodes: Dockerode[] } | undefined {
    if (!fs.existsSync(SWARM_ENV)) return undefined;
    const vars: Record<string, string> = {};
    for (const line of fs.readFileSync(SWARM_ENV, "utf8").split("\n")) {
        const m = /^(?:export\s+)?(\w+)=(.*)$/.exec(line.trim());
        if (m) vars[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, "$1");
    }
    const socket = (host: string): string | undefined => (host.startsWith("unix://") ? host.slice("unix://".length) : undefined);
    const managerSocket = socket(vars["SWARM_MANAGER_HOST"] ?? "");
    if (managerSocket === undefined || !fs.existsSync(managerSocket)) return undefined;
    const nodes = (vars["SWARM_NODE_HOSTS"] ?? "")
        .split(/\s+/)
        .map(socket)
        .filter((s): s is string => s !== undefined && s !== managerSocket && fs.existsSync(s));
    return { manager: new Dockerode({ socketPath: managerSocket }), nodes: nodes.map((socketPath) => new Dockerode({ socketPath })) };
}

async function swarm(): Promise<void> {
    const clients = swarmClients();
    if (clients === undefined) return;
    const { manager, nodes } = clients;
    const bounded = <T>(what: Promise<T>): Promise<T> =>
        Promise.race([what, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("no answer within 15 s")), 15_000).unref())]);
    await bounded(manager.ping());
    const filters = { label: [RUN_LABEL_KEY] };
    const labels = new Set<string>();
    const collect = (l: Record<string, string> | undefined | null): void => {
        const label = l?.[RUN_LABEL_KEY];
        if (label !== undefined && isThisRunsLabel(label)) labels.add(label);
    };
    for (const s of await manager.listServices({ filters })) collect(s.Spec?.Labels);
    for (const s of await manager.listSecrets({ filters })) collect(s.Spec?.Labels);
    for (const c of await manager.listConfigs({ filters })) collect((c.Spec as { Labels?: Record<string, string> } | undefined)?.Labels);
    for (const n of await manager.listNetworks({ filters })) collect(n.Labels);
    for (const node of [manager, ...nodes]) {
        for (const c of await node.listContainers({ all: true, filters })) collect(c.Labels);
        for (const v of (await node.listVolumes({ filters })).Volumes ?? []) collect(v.Labels);
    }
    const left: string[] = [];
    for (const label of labels) {
        const removed = await removeByLabel(manager, label, nodes);
        left.push(`${label}: ${Object.entries(removed).filter(([, count]) => (count ?? 0) > 0).map(([kind, count]) => `${count} ${kind}`).join(", ")}`);
    }
    if (left.length > 0) process.stderr.write(`engine teardown removed what tests left on the swarm: ${left.join("; ")}\n`);
}
