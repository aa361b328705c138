// Runs once after the engine suite, whatever happened in it: removes every container, network and
// volume an engine test labelled, so that a crashed or failed test leaves nothing behind.
import Dockerode from "dockerode";
import { RUN_LABEL_KEY } from "../../tools/realize/realizer";
import { engine, isThisRunsLabel } from "./harness";

export default async function teardown(): Promise<void> {
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
