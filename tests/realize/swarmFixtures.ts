// Plan fixtures for the realizer's pure Swarm tests: an overlay network, an auto-named secret, a
// config and a Valkey service referring to them by the plan renderer's stand-in ids and names.

import type { Plan, PlanResource } from "../../tools/realize/plan";
import { standInAutoName, standInId } from "../../tools/realize/swarmNames";

export const PROJECT = "openwebui-valkey";
export const STACK = "swarm";
export const TYPES = {
    stack: "pulumi:pulumi:Stack",
    cache: "openwebui-valkey:index:SwarmValkeyCache",
    network: "docker:index/network:Network",
    secret: "docker:index/secret:Secret",
    config: "docker:index/serviceConfig:ServiceConfig",
    service: "docker:index/service:Service",
} as const;

export const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::${TYPES.stack}::${PROJECT}-${STACK}`;
export const CACHE_URN = `urn:pulumi:${STACK}::${PROJECT}::${TYPES.cache}::sv`;
export const urnOf = (type: string, name: string): string => `urn:pulumi:${STACK}::${PROJECT}::${TYPES.cache}$${type}::${name}`;

export const NETWORK = "sv-network";
export const SECRET = "sv-password";
export const CONFIG = "sv-conf";
export const SERVICE = "sv-service";

export const NETWORK_ID = standInId(STACK, TYPES.network, NETWORK);
export const SECRET_ID = standInId(STACK, TYPES.secret, SECRET);
export const SECRET_STAND_IN_NAME = standInAutoName(STACK, TYPES.secret, SECRET);
export const CONFIG_ID = standInId(STACK, TYPES.config, CONFIG);

export const UPSTREAM = "docker.io/valkey/valkey:8.0.1-alpine";
export const LOCAL = "openwebui-valkey-test/valkey:8.0.1";
export const IMAGE_MAP = { [UPSTREAM]: LOCAL };

export const HEALTHCHECK = { tests: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], interval: "1s", timeout: "3s", startPeriod: "5s", retries: 5 };

/** The container spec of the Valkey service, in the forms the daemon gives back. */
export function containerSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        image: "valkey/valkey:8.0.1-alpine",
        args: ["valkey-server", "--save", "30 1"],
        env: { VALKEY_TEST: "1", WITH_EQUALS: "a=b" },
        capDrops: ["ALL"],
        capAdds: ["SETGID", "SETUID", "DAC_OVERRIDE"],
        readOnly: true,
        user: "999",
        healthcheck: HEALTHCHECK,
        stopGracePeriod: "30s",
        mounts: [{ type: "volume", source: "sv-data", target: "/data" }],
        secrets: [{ secretId: SECRET_ID, secretName: SECRET_STAND_IN_NAME, fileName: "valkey-password", fileUid: "999", fileGid: "1000", fileMode: 0o400 }],
        configs: [{ configId: CONFIG_ID, configName: "sv-conf", fileName: "/etc/valkey-extra.conf", fileUid: "0", fileGid: "0", fileMode: 0o444 }],
        ...overrides,
    };
}

/** The Valkey service's inputs. */
export function serviceInputs(overrides: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "sv-valkey",
        labels: [{ label: "app", value: "valkey" }],
        mode: { replicated: { replicas: 1 } },
        taskSpec: {
            containerSpec: containerSpec(container),
            networksAdvanceds: [{ name: NETWORK_ID, aliases: ["valkey"] }],
            placement: { constraints: ["node.labels.openwebui-valkey.valkey==true"], maxReplicas: 1 },
            restartPolicy: { condition: "any", delay: "1s", maxAttempts: 0, window: "0s" },
            resources: { limits: { memoryBytes: 268435456 } },
            logDriver: { name: "json-file", options: { "max-file": "1", "max-size": "1m" } },
        },
        endpointSpec: { mode: "dnsrr" },
        updateConfig: { parallelism: 1, delay: "0s", failureAction: "rollback", monitor: "30s", maxFailureRatio: "0.0", order: "stop-first" },
        rollbackConfig: { parallelism: 1, delay: "0s", failureAction: "pause", monitor: "30s", maxFailureRatio: "0.0", order: "stop-first" },
        convergeConfig: { delay: "1s", timeout: "1m" },
        ...overrides,
    };
}

export function serviceResource(inputs: Record<string, unknown> = serviceInputs()): PlanResource {
    return {
        urn: urnOf(TYPES.service, SERVICE),
        type: TYPES.service,
        name: SERVICE,
        parent: CACHE_URN,
        inputs,
        options: { dependsOn: [urnOf(TYPES.config, CONFIG), urnOf(TYPES.network, NETWORK), urnOf(TYPES.secret, SECRET)] },
    };
}

export function secretResource(inputs: Record<string, unknown> = { data: Buffer.from("s3cret").toString("base64") }): PlanResource {
    return { urn: urnOf(TYPES.secret, SECRET), type: TYPES.secret, name: SECRET, parent: CACHE_URN, inputs, options: {} };
}

export function configResource(inputs: Record<string, unknown> = { name: "sv-conf", data: Buffer.from("maxmemory-policy noeviction\n").toString("base64") }): PlanResource {
    return { urn: urnOf(TYPES.config, CONFIG), type: TYPES.config, name: CONFIG, parent: CACHE_URN, inputs, options: {} };
}

export function swarmPlan(service: PlanResource = serviceResource()): Plan {
    return {
        project: PROJECT,
        stack: STACK,
        resources: [
            { urn: STACK_URN, type: TYPES.stack, name: `${PROJECT}-${STACK}`, parent: null, inputs: {}, options: {} },
            { urn: CACHE_URN, type: TYPES.cache, name: "sv", parent: STACK_URN, inputs: {}, options: {} },
            { urn: urnOf(TYPES.network, NETWORK), type: TYPES.network, name: NETWORK, parent: CACHE_URN, inputs: { name: "sv-net", driver: "overlay", attachable: true }, options: {} },
            secretResource(),
            configResource(),
            service,
        ],
        outputs: {},
    };
}
