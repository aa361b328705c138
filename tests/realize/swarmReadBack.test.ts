// The read-back model of the Swarm resources (tools/realize/swarmReadBack.ts): what the provider's
// Read stores for a Service, a Secret and a ServiceConfig, and what a second `pulumi up` proposes,
// on inspect documents written after what the test swarm (Docker 20.10, API 1.41) answered for the
// realized fixture service (the realizer's run label included, as on the engine).

import { RUN_LABEL_KEY } from "../../tools/realize/fieldTables";
import type { PlanResource } from "../../tools/realize/plan";
import { describeChanges } from "../../tools/realize/proposedChanges";
import { SwarmReadBackError, formatRatio, proposedSwarmChanges, readBackConfig, readBackSecret, readBackService, shortDuration } from "../../tools/realize/swarmReadBack";
import { LOCAL, configResource, secretResource, serviceInputs, serviceResource } from "./swarmFixtures";

const SECOND = 1_000_000_000;
const RUN = { [RUN_LABEL_KEY]: "run-1" };
const IMAGE = { upstream: "valkey/valkey:8.0.1-alpine", sent: LOCAL };

/** The fixture service as declared on the engine: its references hold the real ids and names. */
function declared(inputs: Record<string, unknown> = serviceInputs()): PlanResource {
    const resource = serviceResource(structuredClone(inputs));
    const container = (resource.inputs["taskSpec"] as { containerSpec: Record<string, unknown> }).containerSpec;
    (container["secrets"] as Array<Record<string, unknown>>).forEach((s) => Object.assign(s, { secretId: "realsecretid", secretName: "sv-password-1a2b3c4" }));
    (container["configs"] as Array<Record<string, unknown>>).forEach((c) => Object.assign(c, { configId: "realconfigid" }));
    ((resource.inputs["taskSpec"] as { networksAdvanceds: Array<Record<string, unknown>> }).networksAdvanceds ?? []).forEach((n) => Object.assign(n, { name: "realnetworkid" }));
    return resource;
}

/** GET /services/{id} for the realized fixture service. */
function inspection(patch: { ContainerSpec?: Record<string, unknown>; TaskTemplate?: Record<string, unknown>; Spec?: Record<string, unknown>; Endpoint?: Record<string, unknown> } = {}): Record<string, unknown> {
    return {
        ID: "realserviceid",
        Version: { Index: 61 },
        Spec: {
            Name: "sv-valkey",
            Labels: { app: "valkey", ...RUN },
            TaskTemplate: {
                ContainerSpec: {
                    Image: LOCAL,
                    Labels: RUN,
                    Args: ["valkey-server", "--save", "30 1"],
                    Env: ["VALKEY_TEST=1", "WITH_EQUALS=a=b"],
                    User: "999",
                    ReadOnly: true,
                    Mounts: [{ Type: "volume", Source: "sv-data", Target: "/data", VolumeOptions: { Labels: RUN } }],
                    StopGracePeriod: 30 * SECOND,
                    Healthcheck: { Test: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], Interval: SECOND, Timeout: 3 * SECOND, StartPeriod: 5 * SECOND, Retries: 5 },
                    DNSConfig: {},
                    Secrets: [{ File: { Name: "valkey-password", UID: "999", GID: "1000", Mode: 256 }, SecretID: "realsecretid", SecretName: "sv-password-1a2b3c4" }],
                    Configs: [{ File: { Name: "/etc/valkey-extra.conf", UID: "0", GID: "0", Mode: 292 }, ConfigID: "realconfigid", ConfigName: "sv-conf" }],
                    Isolation: "default",
                    CapabilityAdd: ["SETGID", "SETUID", "DAC_OVERRIDE"],
                    CapabilityDrop: ["ALL"],
                    ...patch.ContainerSpec,
                },
                Resources: { Limits: { MemoryBytes: 268435456 } },
                RestartPolicy: { Condition: "any", Delay: SECOND, MaxAttempts: 0, Window: 0 },
                Placement: { Constraints: ["node.labels.openwebui-valkey.valkey==true"], MaxReplicas: 1 },
                Networks: [{ Target: "realnetworkid", Aliases: ["valkey"] }],
                LogDriver: { Name: "json-file", Options: { "max-file": "1", "max-size": "1m" } },
                ForceUpdate: 0,
                Runtime: "container",
                ...patch.TaskTemplate,
            },
            Mode: { Replicated: { Replicas: 1 } },
            UpdateConfig: { Parallelism: 1, FailureAction: "rollback", Monitor: 30 * SECOND, MaxFailureRatio: 0, Order: "stop-first" },
            RollbackConfig: { Parallelism: 1, FailureAction: "pause", Monitor: 30 * SECOND, MaxFailureRatio: 0, Order: "stop-first" },
            EndpointSpec: { Mode: "dnsrr" },
            ...patch.Spec,
        },
        // a dnsrr service without ports: the live endpoint shows no mode, Read takes Spec.EndpointSpec
        Endpoint: { Spec: {}, ...patch.Endpoint },
    };
}

const proposed = (resource: PlanResource, info = inspection()) => proposedSwarmChanges(resource, readBackService(resource, info, IMAGE));
const NOTHING = "(nothing proposed)";

describe("the service's read-back", () => {
    it("stores what Read flattens: shortDur durations, env as a map, the upstream image, run labels left out", () => {
        const state = readBackService(declared(), inspection(), IMAGE);
        expect(state["name"]).toBe("sv-valkey");
        expect(state["labels"]).toEqual([{ label: "app", value: "valkey" }]);
        expect(state["updateConfig"]).toEqual({ parallelism: 1, delay: "0s", failureAction: "rollback", monitor: "30s", maxFailureRatio: "0.0", order: "stop-first" });
        const task = state["taskSpec"] as Record<string, Record<string, unknown>>;
        expect(task["containerSpec"]).toMatchObject({
            image: "valkey/valkey:8.0.1-alpine",
            env: { VALKEY_TEST: "1", WITH_EQUALS: "a=b" },
            stopGracePeriod: "30s",
            healthcheck: { interval: "1s", timeout: "3s", startPeriod: "5s", retries: 5 },
            mounts: [{ target: "/data", source: "sv-data", type: "volume", readOnly: false }], // the realizer's VolumeOptions dropped
        });
        expect(task["containerSpec"]?.["labels"]).toBeUndefined();
        expect(task["restartPolicy"]).toEqual({ condition: "any", delay: "1s", maxAttempts: 0, window: "0s" });
        expect(task["networksAdvanceds"]).toEqual([{ name: "realnetworkid", driverOpts: [], aliases: ["valkey"] }]);
        expect(state["endpointSpec"]).toEqual({ mode: "dnsrr", ports: [] });
        expect(state["convergeConfig"]).toEqual({ delay: "1s", timeout: "1m" }); // never read: as declared
    });

    it("proposes nothing for the service declared in the daemon's forms", () => {
        expect(describeChanges(proposed(declared())) || NOTHING).toBe(NOTHING);
    });

    it("proposes a change wherever the program writes another form than the one Read gives back", () => {
        const changes = proposed(
            declared(
                serviceInputs(
                    { updateConfig: { parallelism: 1, delay: "0s", failureAction: "rollback", monitor: "30000ms", maxFailureRatio: "0", order: "stop-first" } },
                    { image: "docker.io/valkey/valkey:8.0.1-alpine", stopGracePeriod: "1m0s", healthcheck: { tests: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], interval: "1000ms", timeout: "3s", startPeriod: "5s", retries: 5 } },
                ),
            ),
            inspection({ ContainerSpec: { StopGracePeriod: 60 * SECOND } }),
        );
        expect(changes.map((c) => [c.property, c.before, c.after, c.effect])).toEqual([
            ["updateConfig.monitor", "30s", "30000ms", "update"],
            ["updateConfig.maxFailureRatio", "0.0", "0", "update"],
            ["taskSpec.containerSpec.image", "valkey/valkey:8.0.1-alpine", "docker.io/valkey/valkey:8.0.1-alpine", "update"],
            ["taskSpec.containerSpec.healthcheck.interval", "1s", "1000ms", "update"],
            ["taskSpec.containerSpec.stopGracePeriod", "1m", "1m0s", "update"],
        ]);
    });

    it("compares the nested blocks field by field with the schema's defaults, and an unset field of a declared restart policy as empty", () => {
        const base = serviceInputs();
        const task = base["taskSpec"] as Record<string, unknown>;
        const changes = proposed(declared({ ...base, taskSpec: { ...task, restartPolicy: { condition: "any", delay: "1s" } } }));
        expect(changes.map((c) => [c.property, c.before, c.after])).toEqual([["taskSpec.restartPolicy.window", "0s", undefined]]);
        // max_failure_ratio: one decimal; 0.25 reads back as 0.2
        const ratio = proposed(declared(serviceInputs({ updateConfig: { maxFailureRatio: "0.25" } })), inspection({ Spec: { UpdateConfig: { Parallelism: 1, Monitor: 5 * SECOND, FailureAction: "pause", MaxFailureRatio: Math.fround(0.25), Order: "stop-first" } } }));
        expect(ratio.map((c) => [c.property, c.before])).toEqual([["updateConfig.maxFailureRatio", "0.2"]]);
    });

    it("replaces on a name or mode change, updates otherwise; an auto-named service's name is not compared", () => {
        const renamed = proposed(declared(serviceInputs({ name: "sv-other", mode: { replicated: { replicas: 2 } } })));
        expect(renamed.map((c) => [c.property, c.effect])).toEqual([
            ["name", "replace"],
            ["mode.replicated.replicas", "replace"],
        ]);
        const { name: _name, ...unnamed } = serviceInputs();
        expect(proposed(declared(unnamed))).toEqual([]);
    });

    it("a network declared by name reads back as its id: a change on every preview", () => {
        const base = declared();
        const task = base.inputs["taskSpec"] as { networksAdvanceds: Array<Record<string, unknown>> };
        task.networksAdvanceds = [{ name: "sv-net", aliases: ["valkey"] }];
        expect(proposed(base).map((c) => c.property)).toEqual(["taskSpec.networksAdvanceds"]);
    });

    it("reads ports from the live endpoint, published ports filled in (Optional+Computed), in list order", () => {
        const ports = [{ Protocol: "tcp", TargetPort: 8080, PublishedPort: 30001, PublishMode: "ingress" }];
        const info = inspection({ Spec: { EndpointSpec: { Mode: "vip", Ports: [{ Protocol: "tcp", TargetPort: 8080, PublishMode: "ingress" }] } }, Endpoint: { Spec: { Mode: "vip" }, Ports: ports } });
        const withPort = declared(serviceInputs({ endpointSpec: { mode: "vip", ports: [{ targetPort: 8080 }] } }));
        expect(proposed(withPort, info)).toEqual([]);
        const pinned = declared(serviceInputs({ endpointSpec: { mode: "vip", ports: [{ targetPort: 8080, publishedPort: 3000 }] } }));
        expect(proposed(pinned, info).map((c) => [c.property, c.before])).toEqual([["endpointSpec.ports[0].publishedPort", 30001]]);
    });

    it("keeps a declared volumeOptions block, less the run label; a different mode of a secret file is a change", () => {
        const options = declared(serviceInputs({}, { mounts: [{ type: "volume", source: "sv-data", target: "/data", volumeOptions: { driverName: "local" } }] }));
        const info = inspection({ ContainerSpec: { Mounts: [{ Type: "volume", Source: "sv-data", Target: "/data", VolumeOptions: { Labels: RUN, DriverConfig: { Name: "local" } } }] } });
        expect(proposed(options, info)).toEqual([]);
        const mode = declared();
        ((mode.inputs["taskSpec"] as { containerSpec: { secrets: Array<Record<string, unknown>> } }).containerSpec.secrets[0] as Record<string, unknown>)["fileMode"] = 0o440;
        expect(proposed(mode).map((c) => c.property)).toEqual(["taskSpec.containerSpec.secrets"]);
    });

    it("refuses an input it does not model, and an inspection without an endpoint spec", () => {
        expect(() => proposedSwarmChanges(serviceResource({ ...serviceInputs(), extra: 1 }), {})).toThrow(SwarmReadBackError);
        expect(() => readBackService(declared(), inspection({ Spec: { EndpointSpec: {} } }), IMAGE)).toThrow(/no endpoint spec yet/);
    });
});

describe("secrets and configs", () => {
    it("a secret's Read sets only its name: data and labels stay as declared; an auto-named one is not compared", () => {
        const secret = secretResource({ name: "pw-1", data: "czNjcmV0", labels: [{ label: "a", value: "b" }] });
        const state = readBackSecret(secret, { Spec: { Name: "pw-1" } });
        expect(state).toEqual({ name: "pw-1", data: "czNjcmV0", labels: [{ label: "a", value: "b" }] });
        expect(proposedSwarmChanges(secret, state)).toEqual([]);
        expect(proposedSwarmChanges(secret, readBackSecret(secret, { Spec: { Name: "pw-2" } })).map((c) => [c.property, c.effect])).toEqual([["name", "replace"]]);
        const auto = secretResource({ data: "czNjcmV0" });
        expect(proposedSwarmChanges(auto, readBackSecret(auto, { Spec: { Name: "sv-password-1a2b3c4" } }))).toEqual([]);
    });

    it("a config's Read sets name, data (standard base64 of its bytes) and labels (less the run label)", () => {
        const config = configResource({ name: "c", data: "aGVsbG8K", labels: [{ label: "purpose", value: "test" }] });
        const state = readBackConfig(config, { Spec: { Name: "c", Data: "aGVsbG8K", Labels: { purpose: "test", ...RUN } } });
        expect(state).toEqual({ name: "c", data: "aGVsbG8K", labels: [{ label: "purpose", value: "test" }] });
        expect(proposedSwarmChanges(config, state)).toEqual([]);
        const other = readBackConfig(config, { Spec: { Name: "c", Data: "aGVsbG8=", Labels: RUN } });
        expect(proposedSwarmChanges(config, other).map((c) => [c.property, c.effect])).toEqual([
            ["data", "replace"],
            ["labels", "replace"],
        ]);
    });
});

describe("formats", () => {
    it("shortDur: Go's Duration.String() without a trailing m0s / h0m", () => {
        expect([0, 1.5 * SECOND, 30 * SECOND, 60 * SECOND, 90 * SECOND, 600 * SECOND, 3600 * SECOND, 5400 * SECOND, 3660 * SECOND, 500_000_000].map(shortDuration)).toEqual([
            "0s",
            "1.5s",
            "30s",
            "1m",
            "1m30s",
            "10m",
            "1h",
            "1h30m",
            "1h1m",
            "500ms",
        ]);
    });

    it("max_failure_ratio: one decimal of the float32", () => {
        expect([0, 0.1, 0.25, 0.5, 1].map(formatRatio)).toEqual(["0.0", "0.1", "0.2", "0.5", "1.0"]);
    });
});
