// Plan fixtures shared by the realizer's pure tests (mapping, plan reader, command line).

import type { Plan, PlanResource } from "../../tools/realize/plan";

export const PROJECT = "openwebui-valkey";
export const STACK = "dev";

export const STACK_URN = `urn:pulumi:${STACK}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${STACK}`;
export const CACHE_URN = `urn:pulumi:${STACK}::${PROJECT}::openwebui-valkey:index:ValkeyCache::dev`;
const child = (type: string, name: string): string =>
    `urn:pulumi:${STACK}::${PROJECT}::openwebui-valkey:index:ValkeyCache$${type}::${name}`;
export const PASSWORD_URN = child("random:index/randomPassword:RandomPassword", "dev-valkey-password");
export const NETWORK_URN = child("docker:index/network:Network", "dev-network");
export const VOLUME_URN = child("docker:index/volume:Volume", "dev-valkey-data");
export const IMAGE_URN = child("docker:index/remoteImage:RemoteImage", "dev-valkey-image");
export const CONTAINER_URN = child("docker:index/container:Container", "dev-valkey");

export const UPSTREAM_IMAGE = "docker.io/valkey/valkey:8.0.1-alpine";
export const LOCAL_IMAGE = "openwebui-valkey-test/valkey:8.0.1";

/** The Valkey container's inputs, roughly as the component declares them. */
export function valkeyInputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "dev-valkey",
        image: "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        command: [
            "sh",
            "-c",
            "exec docker-entrypoint.sh valkey-server --requirepass \"$REDISCLI_AUTH\" --save '30 1' --maxclients 10000 --timeout 1800",
        ],
        envs: ["REDISCLI_AUTH=abc"],
        capabilities: { drops: ["ALL"], adds: ["SETGID", "SETUID", "DAC_OVERRIDE"] },
        healthcheck: {
            tests: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"],
            interval: "1s",
            timeout: "3s",
            startPeriod: "5s",
            retries: 5,
        },
        logDriver: "json-file",
        logOpts: { "max-file": "1", "max-size": "1m" },
        restart: "unless-stopped",
        volumes: [{ volumeName: "dev-valkey-data", containerPath: "/data" }],
        networksAdvanced: [{ name: "dev-openwebui-network", aliases: ["valkey"] }],
        readOnly: true,
        securityOpts: ["no-new-privileges:true"],
        user: "999",
        ulimits: [{ name: "nofile", soft: 10032, hard: 10032 }],
        memory: 512,
        ports: [{ internal: 6379, external: 6380, ip: "127.0.0.1", protocol: "tcp" }],
        wait: true,
        waitTimeout: 60,
        mustRun: true,
        ...overrides,
    };
}

export function containerResource(inputs: Record<string, unknown>, dependsOn: string[] = [IMAGE_URN, NETWORK_URN, VOLUME_URN]): PlanResource {
    return {
        urn: CONTAINER_URN,
        type: "docker:index/container:Container",
        name: "dev-valkey",
        parent: CACHE_URN,
        inputs,
        options: { dependsOn },
    };
}

/** A small plan: network + volume + image + the Valkey container, under a component and the stack. */
export function valkeyPlan(containerInputs: Record<string, unknown> = valkeyInputs()): Plan {
    return {
        project: PROJECT,
        stack: STACK,
        resources: [
            { urn: STACK_URN, type: "pulumi:pulumi:Stack", name: `${PROJECT}-${STACK}`, parent: null, inputs: {}, options: {} },
            { urn: CACHE_URN, type: "openwebui-valkey:index:ValkeyCache", name: "dev", parent: STACK_URN, inputs: {}, options: {} },
            {
                urn: PASSWORD_URN, type: "random:index/randomPassword:RandomPassword", name: "dev-valkey-password",
                parent: CACHE_URN, inputs: { length: 32, special: false }, options: {},
            },
            containerResource(containerInputs),
            {
                urn: NETWORK_URN, type: "docker:index/network:Network", name: "dev-network", parent: CACHE_URN,
                inputs: { name: "dev-openwebui-network", driver: "bridge" }, options: {},
            },
            {
                urn: VOLUME_URN, type: "docker:index/volume:Volume", name: "dev-valkey-data", parent: CACHE_URN,
                inputs: { name: "dev-valkey-data" }, options: { retainOnDelete: true },
            },
            {
                urn: IMAGE_URN, type: "docker:index/remoteImage:RemoteImage", name: "dev-valkey-image", parent: CACHE_URN,
                inputs: { name: UPSTREAM_IMAGE, keepLocally: true }, options: {},
            },
        ],
        outputs: {},
    };
}
