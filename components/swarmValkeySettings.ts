// The Swarm rendering of Valkey's shared settings (valkeySettings.ts): the same server options,
// healthcheck and capabilities, plus what only a service has. Pure: no resource is created here.
import type { SwarmValkeyCacheArgs } from "./swarmValkeyCache";
import { collectSettingErrors } from "./settingError";
import { EndpointMode, SECRETS_DIR, SWARM_DEFAULTS, checkEndpointMode, checkPlacementLabel, serviceHealthcheck, serviceSeconds } from "./swarmSettings";
import { VALKEY_DATA_PATH, VALKEY_UID, ValkeySettings, resolveValkeySettings, valkeyCapabilities, valkeyCommand, valkeyHealthcheck } from "./valkeySettings";

/** The resolved settings of a SwarmValkeyCache: the shared server settings and the Swarm ones. */
export interface SwarmValkeySettings extends ValkeySettings {
    readonly placementLabel: string;
    readonly endpointMode: EndpointMode;
}

/** Applies the defaults and validates everything, shared settings and Swarm ones, in one error. */
export function resolveSwarmValkeySettings(name: string, args: SwarmValkeyCacheArgs): SwarmValkeySettings {
    let shared: ValkeySettings | undefined;
    const placementLabel = args.placementLabel ?? SWARM_DEFAULTS.valkeyPlacementLabel;
    const endpointMode = args.endpointMode ?? SWARM_DEFAULTS.endpointMode;
    collectSettingErrors([
        () => {
            shared = resolveValkeySettings(name, {
                image: args.image,
                containerName: args.serviceName,
                networkName: args.networkName,
                volumeName: args.volumeName,
                networkAlias: args.networkAlias,
                authentication: args.authentication,
                password: args.password,
                maxclients: args.maxclients,
                timeoutSeconds: args.timeoutSeconds,
                tcpKeepaliveSeconds: args.tcpKeepaliveSeconds,
                maxmemoryMb: args.maxmemoryMb,
                maxmemoryPolicy: args.maxmemoryPolicy,
                memoryLimitMb: args.memoryLimitMb,
                runAsValkeyUser: args.runAsValkeyUser,
                waitTimeoutSeconds: args.waitTimeoutSeconds,
                stopGraceSeconds: args.stopGraceSeconds,
            });
        },
        () => checkPlacementLabel("placementLabel", placementLabel),
        () => checkEndpointMode("endpointMode", endpointMode),
    ]);
    return { ...(shared as ValkeySettings), placementLabel, endpointMode: endpointMode as EndpointMode };
}

/** Where the task reads its password: a Docker secret, never the service spec's environment. */
export const VALKEY_PASSWORD_FILE_NAME = "valkey-password";
export const VALKEY_PASSWORD_FILE = `${SECRETS_DIR}/${VALKEY_PASSWORD_FILE_NAME}`;

/** The task's resources that are not Docker objects of their own: the Swarm rendering of the shared settings. */
export function valkeyTaskSpec(s: SwarmValkeySettings, authenticated: boolean) {
    const caps = valkeyCapabilities(s);
    return {
        // The image's entrypoint stays (it steps down to the valkey user); this is its command, as a container's `command`.
        args: valkeyCommand(s, authenticated ? VALKEY_PASSWORD_FILE : undefined),
        user: s.runAsValkeyUser ? VALKEY_UID : undefined,
        capDrops: caps.drops,
        capAdds: caps.adds,
        readOnly: true,
        healthcheck: serviceHealthcheck(valkeyHealthcheck(authenticated ? VALKEY_PASSWORD_FILE : undefined)),
        stopGracePeriod: serviceSeconds(s.stopGraceSeconds),
        mounts: [{ type: "volume", source: String(s.createVolumeName), target: VALKEY_DATA_PATH }],
    };
}
