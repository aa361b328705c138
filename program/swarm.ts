// The stack on a Docker Swarm: a SwarmValkeyCache and a SwarmOpenWebUI as services and, where the
// stack enables it, a PostgresDatabase container on the manager, joined to the attachable overlay.
import * as pulumi from "@pulumi/pulumi";
import { PostgresDatabase, SwarmOpenWebUI, SwarmValkeyCache } from "../components";
import { OPEN_WEBUI_DEFAULTS } from "../components/openWebUISettings";
import { SWARM_DEFAULTS } from "../components/swarmSettings";
import { checkSwarm, readSwarmState } from "./swarmPreflight";
import { StackSettings, fullKey, swarmOpenWebUIArgs, swarmValkeyArgs } from "./stackConfig";

/** Under Pulumi's mocks (unit tests, the offline plan) there is no swarm to read. */
function runningUnderMocks(): boolean {
    return (pulumi.runtime.getMonitor() as object | undefined)?.constructor?.name === "MockMonitor";
}

export function deploySwarm(settings: StackSettings, config: pulumi.Config) {
    const swarm = settings.swarm ?? { preflight: true };
    if (swarm.preflight && !runningUnderMocks()) {
        const dockerHost = new pulumi.Config("docker").get("host");
        let state;
        try {
            state = readSwarmState(dockerHost);
        } catch (e) {
            throw new pulumi.RunError(
                `${fullKey("swarmPreflight")} = true: reading the swarm with the docker CLI failed (${(e as Error).message.split("\n")[0]}). Fix: install the docker CLI and point DOCKER_HOST at a manager, or pulumi config set swarmPreflight false.`,
            );
        }
        checkSwarm(
            state,
            {
                valkeyPlacementLabel: swarm.placementLabel ?? SWARM_DEFAULTS.valkeyPlacementLabel,
                publishedPort: settings.openWebUI.hostPort ?? OPEN_WEBUI_DEFAULTS.hostPort,
                publishMode: swarm.publishMode ?? SWARM_DEFAULTS.publishMode,
                replicas: swarm.replicas ?? SWARM_DEFAULTS.replicas,
                maxReplicasPerNode: swarm.maxReplicasPerNode ?? SWARM_DEFAULTS.maxReplicasPerNode,
                updateOrder: swarm.updateOrder,
                ownServices: [settings.names.valkeyContainer, settings.names.openWebUIContainer],
            },
            (name) => (name.includes(":") ? name : fullKey(name as Parameters<typeof fullKey>[0])),
        );
    }
    const cache = new SwarmValkeyCache("valkey", {
        ...swarmValkeyArgs(settings.valkey, swarm),
        password: settings.given.valkeyPassword ? config.requireSecret("valkeyPassword") : undefined,
    });

    // A container on the engine the provider talks to (the manager), on the attachable overlay that
    // every replica reaches. Its volume is on that node.
    const database = settings.postgres
        ? new PostgresDatabase("postgres", {
              ...settings.postgres,
              networkName: cache.networkName,
              password: settings.given.postgresPassword ? config.requireSecret("postgresPassword") : undefined,
          })
        : undefined;

    const openWebUI = new SwarmOpenWebUI(
        "open-webui",
        {
            ...swarmOpenWebUIArgs(settings.openWebUI, swarm),
            redisUrl: cache.url,
            networkId: cache.networkId,
            redisServerTimeoutSeconds: cache.timeoutSeconds,
            secretKey: settings.given.secretKey ? config.requireSecret("secretKey") : undefined,
            databaseUrl: database ? database.databaseUrl : settings.given.databaseUrl ? config.requireSecret("databaseUrl") : undefined,
        },
        { dependsOn: database ? [cache, database] : [cache] },
    );

    return {
        openWebUIService: openWebUI.serviceName,
        openWebUIPublishedPort: openWebUI.publishedPort,
        valkeyService: cache.serviceName,
        networkName: cache.networkName,
        valkeyVolume: cache.volumeName,
        openWebUIVolume: openWebUI.volumeName,
        redisUrl: cache.url,
        postgresContainer: database?.containerName,
        postgresVolume: database?.volumeName,
        databaseUrl: database?.databaseUrl,
    };
}
