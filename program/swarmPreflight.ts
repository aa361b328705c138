// Checks a Swarm stack against the swarm it is about to run on, before any resource exists: what a
// service spec cannot express and Docker would only report as tasks pending forever ("no suitable
// node") or failing to bind, after the rest of the deployment was made.
import { execFileSync } from "child_process";
import { SettingError, SettingErrors } from "../components/settingError";
import { PublishMode, defaultUpdateOrder, labelConstraint } from "../components/swarmSettings";

/** What the preflight needs to know about the swarm, as `docker node inspect` / `docker service inspect` report it. */
export interface SwarmState {
    /** Whether the engine the provider talks to is a swarm manager. */
    readonly isManager: boolean;
    readonly nodes: ReadonlyArray<{ readonly id: string; readonly hostname: string; readonly labels: Readonly<Record<string, string>>; readonly availability: string; readonly state: string }>;
    readonly services: ReadonlyArray<{ readonly name: string; readonly ports: ReadonlyArray<{ readonly publishedPort: number; readonly publishMode: string }> }>;
    /** Host ports that the manager's own containers publish (other nodes' plain containers are out of its sight). */
    readonly managerContainerPorts: readonly number[];
}

/** What the stack asks of the swarm. */
export interface SwarmWants {
    readonly valkeyPlacementLabel: string;
    readonly publishedPort: number;
    readonly publishMode: string;
    readonly replicas: number;
    readonly maxReplicasPerNode: number;
    /** The rollout order given for Open WebUI's service; unset, the component's default for publishMode. */
    readonly updateOrder?: string;
    /** The stack's own services: their ports are not a clash (an update keeps them). */
    readonly ownServices: readonly string[];
}

/** Every problem at once, each naming the config key, what is wrong and the fix. */
export function checkSwarm(state: SwarmState, wants: SwarmWants, key: (name: string) => string = (n) => n): void {
    if (!state.isManager) {
        throw new SettingError("docker:host", "(the provider's engine)", "it is not a Swarm manager, and services can be created only through a manager", "point DOCKER_HOST (or docker:host) at a manager, or run docker swarm init there");
    }
    const errors: SettingError[] = [];
    const usable = state.nodes.filter((n) => n.availability === "active" && n.state === "ready");
    const updateOrder = wants.updateOrder ?? defaultUpdateOrder(wants.publishMode as PublishMode, true);
    const labelled = state.nodes.filter((n) => n.labels[wants.valkeyPlacementLabel] === "true");
    if (labelled.length === 0) {
        errors.push(
            new SettingError(
                key("valkeyPlacementLabel"),
                wants.valkeyPlacementLabel,
                `no node carries ${wants.valkeyPlacementLabel}=true, so Valkey (constraint ${labelConstraint(wants.valkeyPlacementLabel)}) would wait forever for a node`,
                `label the node that keeps Valkey's data: docker node update --label-add ${wants.valkeyPlacementLabel}=true <node> (nodes: ${state.nodes.map((n) => n.id.slice(0, 12)).join(", ")})`,
            ),
        );
    } else if (labelled.length > 1) {
        errors.push(
            new SettingError(
                key("valkeyPlacementLabel"),
                wants.valkeyPlacementLabel,
                `${labelled.length} nodes carry ${wants.valkeyPlacementLabel}=true (${labelled.map((n) => n.id.slice(0, 12)).join(", ")}), and each has its own volume: a rescheduled Valkey would start empty on another`,
                `keep the label on one node: docker node update --label-rm ${wants.valkeyPlacementLabel} <node>`,
            ),
        );
    }
    if (labelled.length === 1 && !usable.includes(labelled[0])) {
        errors.push(
            new SettingError(
                key("valkeyPlacementLabel"),
                wants.valkeyPlacementLabel,
                `the one node labelled ${wants.valkeyPlacementLabel}=true (${labelled[0].id.slice(0, 12)}) is ${labelled[0].state === "ready" ? labelled[0].availability : labelled[0].state}, so Valkey cannot start there`,
                `bring it back (docker node update --availability active ${labelled[0].id.slice(0, 12)}), or move the label and Valkey's data to another node`,
            ),
        );
    }
    if (wants.maxReplicasPerNode > 0 && wants.replicas > usable.length * wants.maxReplicasPerNode) {
        errors.push(
            new SettingError(
                key("openWebUIReplicas"),
                wants.replicas,
                `with at most ${wants.maxReplicasPerNode} per node, ${wants.replicas} replicas need ${Math.ceil(wants.replicas / wants.maxReplicasPerNode)} usable nodes and the swarm has ${usable.length}`,
                "lower the replicas, raise openWebUIMaxReplicasPerNode, or add nodes",
            ),
        );
    } else if (wants.maxReplicasPerNode > 0 && updateOrder === "start-first" && wants.replicas >= usable.length * wants.maxReplicasPerNode) {
        // Swarm counts the old task against the per-node limit while its successor starts, so with
        // every slot taken a start-first update never places the new task (moby/moby#40797).
        errors.push(
            new SettingError(
                key("openWebUIUpdateOrder"),
                updateOrder,
                `a start-first update starts each new task beside the old one, and ${wants.replicas} replicas, at most ${wants.maxReplicasPerNode} per node, fill all ${usable.length} usable nodes: Swarm would find no node for it and every update that keeps the image would wait forever`,
                "pulumi config set openWebUIUpdateOrder stop-first, or set openWebUIMaxReplicasPerNode 0, or add a node",
            ),
        );
    }
    const clash = state.services.find((s) => !wants.ownServices.includes(s.name) && s.ports.some((p) => p.publishedPort === wants.publishedPort));
    if (clash) {
        errors.push(new SettingError(key("openWebUIHostPort"), wants.publishedPort, `service ${clash.name} already publishes port ${wants.publishedPort} on the swarm`, "choose another port"));
    } else if (wants.publishMode === "host" && state.managerContainerPorts.includes(wants.publishedPort)) {
        errors.push(new SettingError(key("openWebUIHostPort"), wants.publishedPort, `a container on the manager already publishes port ${wants.publishedPort}, so no replica could start there`, "choose another port, or constrain Open WebUI off the manager"));
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new SettingErrors(errors);
}

function dockerJson(args: string[], env: NodeJS.ProcessEnv): unknown {
    const out = execFileSync("docker", args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
    return JSON.parse(out);
}

/** Reads the swarm through the docker CLI of the machine running `pulumi up` (DOCKER_HOST, or `dockerHost`). */
export function readSwarmState(dockerHost?: string): SwarmState {
    const env = dockerHost ? { ...process.env, DOCKER_HOST: dockerHost } : process.env;
    const info = dockerJson(["info", "--format", "{{json .Swarm}}"], env) as { ControlAvailable?: boolean };
    if (!info.ControlAvailable) {
        return { isManager: false, nodes: [], services: [], managerContainerPorts: [] };
    }
    const ids = (list: string[]) => execFileSync("docker", list, { env, encoding: "utf8", timeout: 30_000 }).split("\n").filter(Boolean);
    const nodeIds = ids(["node", "ls", "-q"]);
    const nodes = (dockerJson(["node", "inspect", ...nodeIds], env) as any[]).map((n) => ({
        id: String(n.ID),
        hostname: String(n.Description?.Hostname ?? ""),
        labels: (n.Spec?.Labels ?? {}) as Record<string, string>,
        availability: String(n.Spec?.Availability ?? ""),
        state: String(n.Status?.State ?? ""),
    }));
    const serviceIds = ids(["service", "ls", "-q"]);
    const services =
        serviceIds.length === 0
            ? []
            : (dockerJson(["service", "inspect", ...serviceIds], env) as any[]).map((s) => ({
                  name: String(s.Spec?.Name ?? ""),
                  ports: ((s.Spec?.EndpointSpec?.Ports ?? []) as any[]).map((p) => ({ publishedPort: Number(p.PublishedPort), publishMode: String(p.PublishMode ?? "ingress") })),
              }));
    // Plain containers only: a task's published port is its service's, checked above.
    const containerPorts = execFileSync("docker", ["ps", "--format", '{{.Label "com.docker.swarm.service.id"}}|{{.Ports}}'], { env, encoding: "utf8", timeout: 30_000 })
        .split("\n")
        .filter((line) => line.startsWith("|"))
        .join("\n");
    const managerContainerPorts = [...containerPorts.matchAll(/:(\d+)->/g)].map((m) => Number(m[1]));
    return { isManager: true, nodes, services, managerContainerPorts };
}
