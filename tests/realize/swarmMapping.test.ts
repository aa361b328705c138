// The Swarm resources' create requests, pure: what resourceDockerSecretCreate, resourceDockerConfigCreate
// and resourceDockerServiceCreate (createServiceSpec) send for a plan, how a service's references
// to the plan's network, secrets and configs become the real ones, the image mapping, the
// auto-names, and every refusal by name.

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { RUN_LABEL_KEY } from "../../tools/realize/fieldTables";
import { networkCreateOptions } from "../../tools/realize/networkVolumeMapping";
import { PlanError, RESOURCE_TYPES, dependencyOrder, parsePlan, resourceKind } from "../../tools/realize/plan";
import type { PlanResource } from "../../tools/realize/plan";
import * as tables from "../../tools/realize/swarmFieldTables";
import {
    RealizedObject,
    ServiceOptionsInput,
    SwarmReferences,
    configCreateSpec,
    decodeStdBase64,
    didNotConvergeMessage,
    resolveServiceImage,
    secretCreateSpec,
    serviceCreateSpec,
} from "../../tools/realize/swarmMapping";
import { AUTONAME_MAX_LENGTH, autoName, familiarString, imageWithTagString, parseImageReference, standInAutoName, standInId } from "../../tools/realize/swarmNames";
import {
    CONFIG,
    CONFIG_ID,
    IMAGE_MAP,
    LOCAL,
    NETWORK,
    NETWORK_ID,
    SECRET,
    SECRET_ID,
    SECRET_STAND_IN_NAME,
    STACK,
    TYPES,
    UPSTREAM,
    configResource,
    secretResource,
    serviceInputs,
    serviceResource,
    swarmPlan,
    urnOf,
} from "./swarmFixtures";

const RUN = { [RUN_LABEL_KEY]: "run-1" };
const SECOND = 1_000_000_000;

/** What the realizer created for the fixture plan's network, secret and config. */
const REALIZED: Record<string, RealizedObject> = {
    [urnOf(TYPES.network, NETWORK)]: { id: "realnetworkid", name: "sv-net" },
    [urnOf(TYPES.secret, SECRET)]: { id: "realsecretid", name: "sv-password-1a2b3c4" },
    [urnOf(TYPES.config, CONFIG)]: { id: "realconfigid", name: "sv-conf" },
};
const realizedReferences = (): SwarmReferences => new SwarmReferences(swarmPlan(), (urn) => REALIZED[urn]);
const input = (extra: Partial<ServiceOptionsInput> = {}): ServiceOptionsInput => ({ labels: RUN, image: LOCAL, autoName: "sv-service-0000000", references: realizedReferences(), ...extra });
const spec = (inputs: Record<string, unknown>, extra: Partial<ServiceOptionsInput> = {}) => serviceCreateSpec(serviceResource(inputs), input(extra));
const withContainer = (container: Record<string, unknown>) => serviceInputs({}, container);
const withTask = (task: Record<string, unknown>) => {
    const base = serviceInputs();
    return { ...base, taskSpec: { ...(base["taskSpec"] as Record<string, unknown>), ...task } };
};

/** The fields of an exported interface of the installed @pulumi/docker, from its .d.ts. */
function fieldsOf(file: string, interfaceName: string): string[] {
    const text = readFileSync(join(__dirname, "../../node_modules/@pulumi/docker", file), "utf8");
    const start = text.indexOf(`export interface ${interfaceName} {`);
    if (start < 0) throw new Error(`${interfaceName} not in ${file}`);
    const end = text.indexOf("\n}", start);
    return [...text.slice(start, end).matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1] as string).sort();
}

describe("field tables", () => {
    it.each([
        ["secret.d.ts", "SecretArgs", tables.SECRET_FIELDS],
        ["serviceConfig.d.ts", "ServiceConfigArgs", tables.SERVICE_CONFIG_FIELDS],
        ["service.d.ts", "ServiceArgs", tables.SERVICE_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpec", tables.TASK_SPEC_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecContainerSpec", tables.CONTAINER_SPEC_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecContainerSpecMount", tables.MOUNT_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecContainerSpecMountVolumeOptions", tables.VOLUME_OPTIONS_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecContainerSpecSecret", tables.SECRET_REFERENCE_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecContainerSpecConfig", tables.CONFIG_REFERENCE_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecNetworksAdvanced", tables.NETWORK_ATTACHMENT_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecPlacement", tables.PLACEMENT_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecRestartPolicy", tables.RESTART_POLICY_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecResources", tables.RESOURCES_FIELDS],
        ["types/input.d.ts", "ServiceTaskSpecLogDriver", tables.LOG_DRIVER_FIELDS],
        ["types/input.d.ts", "ServiceEndpointSpec", tables.ENDPOINT_SPEC_FIELDS],
        ["types/input.d.ts", "ServiceEndpointSpecPort", tables.PORT_FIELDS],
        ["types/input.d.ts", "ServiceUpdateConfig", tables.UPDATE_CONFIG_FIELDS],
        ["types/input.d.ts", "ServiceConvergeConfig", tables.CONVERGE_CONFIG_FIELDS],
        ["types/input.d.ts", "ServiceMode", tables.MODE_FIELDS],
    ])("%s %s: every field, no other", (file, name, table) => {
        expect(Object.keys(table).sort()).toEqual(fieldsOf(file, name));
    });

    it("know the new resource types and the two Swarm components", () => {
        for (const [type, kind] of [
            [RESOURCE_TYPES.secret, "secret"],
            [RESOURCE_TYPES.serviceConfig, "config"],
            [RESOURCE_TYPES.service, "service"],
            [RESOURCE_TYPES.swarmValkeyCache, "nothing"],
            [RESOURCE_TYPES.swarmOpenWebUI, "nothing"],
        ] as const) {
            expect(resourceKind({ name: "x", type })).toBe(kind);
        }
        expect(RESOURCE_TYPES.swarmValkeyCache).toBe("openwebui-valkey:index:SwarmValkeyCache");
        expect(RESOURCE_TYPES.swarmOpenWebUI).toBe("openwebui-valkey:index:SwarmOpenWebUI");
        // the service comes after what it refers to
        const order = dependencyOrder(parsePlan(swarmPlan())).map((r) => r.name);
        expect(order.indexOf("sv-service")).toBeGreaterThan(Math.max(order.indexOf(NETWORK), order.indexOf(SECRET), order.indexOf(CONFIG)));
    });
});

describe("networks for services", () => {
    it("an attachable overlay network goes as the provider sends it (Driver, Attachable)", () => {
        const network = swarmPlan().resources.find((r) => r.type === TYPES.network) as PlanResource;
        expect(networkCreateOptions(network, { labels: RUN })).toEqual({ Name: "sv-net", Driver: "overlay", Attachable: true, Labels: RUN });
    });
});

describe("secretCreateSpec and configCreateSpec", () => {
    it("a secret: the declared or auto name, the data decoded and sent as standard base64, the labels with the run label", () => {
        expect(secretCreateSpec(secretResource({ name: "pw-1", data: "czNjcmV0", labels: [{ label: "a", value: "b" }] }), { labels: RUN, autoName: "unused" })).toEqual({
            body: { Name: "pw-1", Data: "czNjcmV0", Labels: { a: "b", ...RUN } },
            autoNamed: false,
        });
        expect(secretCreateSpec(secretResource({ data: "czNjcmV0" }), { labels: RUN, autoName: "sv-password-0a1b2c3" })).toEqual({
            body: { Name: "sv-password-0a1b2c3", Data: "czNjcmV0", Labels: RUN },
            autoNamed: true,
        });
    });

    it("refuses data that base64.StdEncoding refuses, an empty name, and fields it does not map", () => {
        const make = (inputs: Record<string, unknown>) => () => secretCreateSpec(secretResource(inputs), { labels: RUN, autoName: "x" });
        expect(make({ data: "czNjcmV0ZA" })).toThrow(/field "data" is not base64/); // unpadded
        expect(make({ data: "not base64!" })).toThrow(/field "data" is not base64/);
        expect(make({ data: "-_8=" })).toThrow(/field "data" is not base64/); // the URL-safe alphabet
        expect(make({})).toThrow(/field "data" is required/);
        expect(make({ name: "", data: "czNjcmV0" })).toThrow(/field "name" is empty/);
        expect(make({ data: "czNjcmV0", driver: "x" })).toThrow(/field "driver" is not mapped by the realizer/);
        expect(make({ data: "czNjcmV0", labels: [{ label: "a", value: "b" }, { label: "a", value: "c" }] })).toThrow(/labels\[1\].label" names "a" twice/);
        expect(decodeStdBase64("YQ==\n")?.toString()).toBe("a");
    });

    it("a config: the same request; dataRaw is refused by name", () => {
        expect(configCreateSpec(configResource({ name: "c", data: "aGVsbG8K" }), { labels: RUN, autoName: "x" }).body).toEqual({ Name: "c", Data: "aGVsbG8K", Labels: RUN });
        expect(() => configCreateSpec(configResource({ name: "c", dataRaw: "hello" }), { labels: RUN, autoName: "x" })).toThrow(
            /field "dataRaw" cannot be realized: data_raw .* is not modelled/,
        );
    });
});

describe("serviceCreateSpec", () => {
    it("sends the Valkey service as createServiceSpec builds it", () => {
        const result = spec(serviceInputs());
        expect(result.body).toEqual({
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
                    CapabilityAdd: ["SETGID", "SETUID", "DAC_OVERRIDE"],
                    CapabilityDrop: ["ALL"],
                    Mounts: [{ Type: "volume", Target: "/data", Source: "sv-data", ReadOnly: false, VolumeOptions: { Labels: RUN } }],
                    StopGracePeriod: 30 * SECOND,
                    Healthcheck: { Test: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], Interval: SECOND, Timeout: 3 * SECOND, StartPeriod: 5 * SECOND, Retries: 5 },
                    DNSConfig: {},
                    Secrets: [{ SecretID: "realsecretid", SecretName: "sv-password-1a2b3c4", File: { Name: "valkey-password", UID: "999", GID: "1000", Mode: 0o400 } }],
                    Configs: [{ ConfigID: "realconfigid", ConfigName: "sv-conf", File: { Name: "/etc/valkey-extra.conf", UID: "0", GID: "0", Mode: 0o444 } }],
                    Isolation: "default",
                },
                Resources: { Limits: { NanoCPUs: 0, MemoryBytes: 268435456 } },
                RestartPolicy: { Condition: "any", Delay: SECOND, MaxAttempts: 0, Window: 0 },
                Placement: { Constraints: ["node.labels.openwebui-valkey.valkey==true"], MaxReplicas: 1 },
                ForceUpdate: 0,
                Networks: [{ Target: "realnetworkid", Aliases: ["valkey"] }],
                LogDriver: { Name: "json-file", Options: { "max-file": "1", "max-size": "1m" } },
            },
            Mode: { Replicated: { Replicas: 1 } },
            EndpointSpec: { Mode: "dnsrr" },
            UpdateConfig: { Parallelism: 1, Delay: 0, FailureAction: "rollback", Monitor: 30 * SECOND, MaxFailureRatio: 0, Order: "stop-first" },
            RollbackConfig: { Parallelism: 1, Delay: 0, FailureAction: "pause", Monitor: 30 * SECOND, MaxFailureRatio: 0, Order: "stop-first" },
        });
        expect(result.converge).toEqual({ delayNs: SECOND, timeoutNs: 60 * SECOND });
        expect(result.stopGracePeriod).toBe("30s");
        expect(result.image).toEqual({ upstream: "valkey/valkey:8.0.1-alpine", sent: LOCAL });
        expect(result.requiredApiVersion).toBe("1.41");
        expect(result.autoNamed).toBe(false);
    });

    it("sends what the SDK's zero values make of undeclared blocks: {} resources, restart policy, placement, endpoint, mode; a Healthcheck {}; StopGracePeriod 0", () => {
        const minimal = spec({ taskSpec: { containerSpec: { image: UPSTREAM } } });
        expect(minimal.body).toEqual({
            Name: "sv-service-0000000",
            Labels: RUN,
            TaskTemplate: {
                ContainerSpec: { Image: LOCAL, Labels: RUN, StopGracePeriod: 0, Healthcheck: {}, DNSConfig: {}, Isolation: "default" },
                Resources: {},
                RestartPolicy: {},
                Placement: {},
                ForceUpdate: 0,
            },
            Mode: {},
            EndpointSpec: {},
        });
        expect(minimal.autoNamed).toBe(true);
        expect(minimal.converge).toBeUndefined();
        expect(minimal.stopGracePeriod).toBeUndefined();
        expect(minimal.requiredApiVersion).toBe("1.30");
    });

    it("applies the schema's defaults inside declared blocks", () => {
        const result = spec(
            serviceInputs(
                {
                    mode: { replicated: {} },
                    updateConfig: {},
                    convergeConfig: {},
                    endpointSpec: { ports: [{ targetPort: 8080 }] },
                },
                {
                    secrets: [{ secretId: SECRET_ID, secretName: SECRET_STAND_IN_NAME, fileName: "pw" }],
                    healthcheck: { tests: ["CMD", "true"] },
                    mounts: [{ type: "volume", source: "v", target: "/v", volumeOptions: { noCopy: true } }],
                },
            ),
        );
        expect(result.body["Mode"]).toEqual({ Replicated: { Replicas: 1 } });
        expect(result.body["UpdateConfig"]).toEqual({ Parallelism: 1, Delay: 0, FailureAction: "pause", Monitor: 5 * SECOND, MaxFailureRatio: 0, Order: "stop-first" });
        expect(result.converge).toEqual({ delayNs: 7 * SECOND, timeoutNs: 180 * SECOND });
        expect(result.body["EndpointSpec"]).toEqual({ Ports: [{ Name: "", Protocol: "tcp", TargetPort: 8080, PublishedPort: 0, PublishMode: "ingress" }] });
        const container = result.body.TaskTemplate.ContainerSpec;
        expect(container["Secrets"]).toEqual([{ SecretID: "realsecretid", SecretName: "sv-password-1a2b3c4", File: { Name: "pw", UID: "0", GID: "0", Mode: 0o444 } }]);
        expect(container["Healthcheck"]).toEqual({ Test: ["CMD", "true"], Interval: 0, Timeout: 0, StartPeriod: 0, Retries: 0 });
        // a declared volumeOptions block: every key goes, DriverConfig included; the run label joins the labels
        expect(container["Mounts"]).toEqual([
            { Type: "volume", Target: "/v", Source: "v", ReadOnly: false, VolumeOptions: { NoCopy: true, Labels: RUN, DriverConfig: { Name: "", Options: {} } } },
        ]);
    });

    it("maps the remaining declared fields: commands, stop signal, ports, max failure ratio as float32, driver options of a network attachment", () => {
        const result = spec(
            serviceInputs(
                {
                    endpointSpec: { mode: "vip", ports: [{ name: "http", targetPort: 8080, publishedPort: 3000, protocol: "tcp", publishMode: "host" }] },
                    updateConfig: { maxFailureRatio: "0.1" },
                },
                { commands: ["sh", "/entry.sh"], stopSignal: "SIGINT", user: undefined },
            ),
        );
        expect(result.body.TaskTemplate.ContainerSpec["Command"]).toEqual(["sh", "/entry.sh"]);
        expect(result.body.TaskTemplate.ContainerSpec["StopSignal"]).toBe("SIGINT");
        expect(result.body.TaskTemplate.ContainerSpec["User"]).toBeUndefined();
        expect(result.body["EndpointSpec"]).toEqual({ Mode: "vip", Ports: [{ Name: "http", Protocol: "tcp", TargetPort: 8080, PublishedPort: 3000, PublishMode: "host" }] });
        expect((result.body["UpdateConfig"] as { MaxFailureRatio: number }).MaxFailureRatio).toBe(Math.fround(0.1));
        const attached = spec(withTask({ networksAdvanceds: [{ name: NETWORK_ID, aliases: ["a"], driverOpts: ["com.docker.network.driver.mtu=1400"] }] }));
        expect(attached.body.TaskTemplate["Networks"]).toEqual([{ Target: "realnetworkid", Aliases: ["a"], DriverOpts: { "com.docker.network.driver.mtu": "1400" } }]);
    });

    it("refuses by name what it does not model", () => {
        const cases: Array<[Record<string, unknown>, RegExp]> = [
            [serviceInputs({ auth: { serverAddress: "r" } }), /field "auth" cannot be realized: registry credentials/],
            [serviceInputs({ mode: { global: true } }), /field "mode.global" cannot be realized: global mode/],
            [withContainer({ mounts: [{ type: "bind", source: "/x", target: "/x" }] }), /mounts\[0\].type" 'bind' mounts are not modelled/],
            [withContainer({ mounts: [{ type: "volume", target: "/x", bindOptions: { propagation: "rprivate" } }] }), /mounts\[0\].bindOptions" cannot be realized: bind mounts/],
            [withContainer({ mounts: [{ type: "volume", target: "/x", tmpfsOptions: {} }] }), /mounts\[0\].tmpfsOptions" cannot be realized/],
            [withContainer({ init: true }), /containerSpec.init" cannot be realized: init was added/],
            [withContainer({ sysctl: { "net.core.somaxconn": "1024" } }), /containerSpec.sysctl" cannot be realized: not declared/],
            [withContainer({ hostname: "h" }), /containerSpec.hostname" cannot be realized/],
            [withContainer({ privileges: {} }), /containerSpec.privileges" cannot be realized/],
            [withContainer({ isolation: "process" }), /containerSpec.isolation" cannot be realized: isolation is Windows only/],
            [withContainer({ healthcheck: { interval: "1s" } }), /healthcheck.tests" is required/],
            [withContainer({ healthcheck: { tests: ["CMD", "true"], interval: "1 second" } }), /healthcheck.interval" is not a Go duration/],
            [withContainer({ stopGracePeriod: "-1s" }), /stopGracePeriod" must not be negative/],
            [withContainer({ secrets: [{ secretId: SECRET_ID, fileName: "f", fileMode: 0o10000 }] }), /secrets\[0\].fileMode" must be a file mode/],
            [withContainer({ frobnicate: 1 }), /containerSpec.frobnicate" is not mapped by the realizer/],
            [withTask({ networksAdvanceds: [{ id: NETWORK_ID }] }), /networksAdvanceds\[0\].id" cannot be realized: the `id` attribute came with upstream 4.2.0/],
            [withTask({ networksAdvanced: [{ name: NETWORK_ID }] }), /taskSpec.networksAdvanced" is not mapped by the realizer/],
            [withTask({ forceUpdate: 1 }), /taskSpec.forceUpdate" cannot be realized/],
            [withTask({ runtime: "container" }), /taskSpec.runtime" cannot be realized/],
            [withTask({ resources: { reservation: { memoryBytes: 1 } } }), /resources.reservation" cannot be realized/],
            [withTask({ placement: { prefs: ["spread=node.id"] } }), /placement.prefs" cannot be realized/],
            [withTask({ restartPolicy: { condition: "always" } }), /restartPolicy.condition" must be one of 'none', 'on-failure', 'any'/],
            [serviceInputs({ updateConfig: { maxFailureRatio: "1.5" } }), /updateConfig.maxFailureRatio" must be a number from 0.0 to 1.0/],
            [serviceInputs({ updateConfig: { failureAction: "explode" } }), /updateConfig.failureAction" must be one of/],
            [serviceInputs({ rollbackConfig: { failureAction: "rollback" } }), /rollbackConfig.failureAction" must be one of 'pause', 'continue'/],
            [serviceInputs({ endpointSpec: { mode: "ipvs" } }), /endpointSpec.mode" must be one of 'vip', 'dnsrr'/],
            [serviceInputs({ endpointSpec: { ports: [{ targetPort: 1, publishMode: "mesh" }] } }), /ports\[0\].publishMode" must be one of 'ingress', 'host'/],
            [serviceInputs({ name: "" }), /field "name" is empty/],
        ];
        for (const [inputs, message] of cases) {
            expect(() => spec(inputs)).toThrow(PlanError);
            expect(() => spec(inputs)).toThrow(message);
        }
    });
});

describe("references to the plan's network, secrets and configs", () => {
    it("swap the plan's stand-in ids for the real ones, and the stand-in name of an auto-named secret for its real name", () => {
        const s = spec(serviceInputs()).body.TaskTemplate;
        expect((s.ContainerSpec["Secrets"] as Array<Record<string, unknown>>)[0]).toMatchObject({ SecretID: "realsecretid", SecretName: "sv-password-1a2b3c4" });
        expect((s.ContainerSpec["Configs"] as Array<Record<string, unknown>>)[0]).toMatchObject({ ConfigID: "realconfigid", ConfigName: "sv-conf" });
        expect(s["Networks"]).toEqual([{ Target: "realnetworkid", Aliases: ["valkey"] }]);
    });

    it("send any other name as declared, and an undeclared one as \"\" (the engine refuses that: malformed secret reference)", () => {
        const named = spec(withContainer({ secrets: [{ secretId: SECRET_ID, secretName: "other-name", fileName: "f" }] }));
        expect((named.body.TaskTemplate.ContainerSpec["Secrets"] as Array<Record<string, unknown>>)[0]?.["SecretName"]).toBe("other-name");
        const unnamed = spec(withContainer({ secrets: [{ secretId: SECRET_ID, fileName: "f" }] }));
        expect((unnamed.body.TaskTemplate.ContainerSpec["Secrets"] as Array<Record<string, unknown>>)[0]?.["SecretName"]).toBe("");
    });

    it("send a plan network's name as it is (the engine resolves it; the read-back shows the id)", () => {
        const byName = spec(withTask({ networksAdvanceds: [{ name: "sv-net" }] }));
        expect(byName.body.TaskTemplate["Networks"]).toEqual([{ Target: "sv-net", Aliases: [] }]);
    });

    it("keep the stand-ins when checking a plan before anything exists", () => {
        const dry = spec(serviceInputs(), { references: new SwarmReferences(swarmPlan()) }).body.TaskTemplate;
        expect((dry.ContainerSpec["Secrets"] as Array<Record<string, unknown>>)[0]).toMatchObject({ SecretID: SECRET_ID, SecretName: SECRET_STAND_IN_NAME });
        expect(dry["Networks"]).toEqual([{ Target: NETWORK_ID, Aliases: ["valkey"] }]);
    });

    it("refuse what is not a resource of the plan, or not created yet", () => {
        expect(() => spec(withContainer({ secrets: [{ secretId: "abc123", fileName: "f" }] }))).toThrow(
            /secrets\[0\].secretId" is not the id of a docker:index\/secret:Secret in the plan \("abc123"\)/,
        );
        expect(() => spec(withContainer({ configs: [{ configId: SECRET_ID, fileName: "f" }] }))).toThrow(/configs\[0\].configId" is not the id of a docker:index\/serviceConfig:ServiceConfig/);
        expect(() => spec(withTask({ networksAdvanceds: [{ name: "elsewhere" }] }))).toThrow(/networksAdvanceds\[0\].name" is neither the id nor the name of a docker:index\/network:Network/);
        const nothingYet = new SwarmReferences(swarmPlan(), () => undefined);
        expect(() => spec(serviceInputs(), { references: nothingYet })).toThrow(/secretId" refers to sv-password \(docker:index\/secret:Secret\), which is not created yet/);
    });
});

describe("the service image", () => {
    it("is mapped through the image map whichever way the reference is written, and sent as the Go client tags it", () => {
        const service = (image: string) => serviceResource(serviceInputs({}, { image }));
        expect(resolveServiceImage(service("valkey/valkey:8.0.1-alpine"), IMAGE_MAP)).toEqual({ upstream: "valkey/valkey:8.0.1-alpine", local: LOCAL });
        expect(resolveServiceImage(service(UPSTREAM), IMAGE_MAP)).toEqual({ upstream: UPSTREAM, local: LOCAL });
        expect(resolveServiceImage(service("index.docker.io/valkey/valkey:8.0.1-alpine"), IMAGE_MAP).local).toBe(LOCAL);
        expect(() => resolveServiceImage(service("valkey/valkey:8.1"), IMAGE_MAP)).toThrow(/has no image mapping for "valkey\/valkey:8.1"/);
        expect(spec(serviceInputs(), { image: "localhost:5000/valkey" }).image.sent).toBe("localhost:5000/valkey:latest");
    });

    it("follows distribution/reference: familiar form, docker.io and library/ left out, :latest added without tag or digest", () => {
        expect(imageWithTagString("docker.io/valkey/valkey:8.0.1-alpine")).toBe("valkey/valkey:8.0.1-alpine");
        expect(imageWithTagString("docker.io/library/alpine")).toBe("alpine:latest");
        expect(imageWithTagString("alpine")).toBe("alpine:latest");
        expect(imageWithTagString("ghcr.io/open-webui/open-webui:v0.12.4")).toBe("ghcr.io/open-webui/open-webui:v0.12.4");
        const digest = `sha256:${"a".repeat(64)}`;
        expect(imageWithTagString(`valkey/valkey@${digest}`)).toBe(`valkey/valkey@${digest}`);
        expect(imageWithTagString("localhost:5000/x")).toBe("localhost:5000/x:latest");
        expect(imageWithTagString("Upper/Case")).toBe("Upper/Case"); // does not parse: left alone
        expect(parseImageReference("Upper/Case")).toBeUndefined();
        expect(familiarString({ domain: "docker.io", path: "library/a/b", tag: "1" })).toBe("library/a/b:1");
    });
});

describe("names", () => {
    it("auto-names as the bridge does: <resource name>-<7 hex>, at most 255 characters", () => {
        expect(autoName("sv-password")).toMatch(/^sv-password-[0-9a-f]{7}$/);
        expect(autoName("x", () => Buffer.from([0xde, 0xad, 0xbe, 0xef]))).toBe("x-deadbee");
        expect(new Set(Array.from({ length: 20 }, () => autoName("x"))).size).toBeGreaterThan(1);
        expect(() => autoName("n".repeat(AUTONAME_MAX_LENGTH - 7))).toThrow(/plus 7 random chars is longer than maximum length 255/);
        expect(autoName("n".repeat(AUTONAME_MAX_LENGTH - 8))).toHaveLength(AUTONAME_MAX_LENGTH);
    });

    it("computes the renderer's stand-ins from the stack, type and resource name", () => {
        expect(standInId(STACK, TYPES.secret, SECRET)).toMatch(/^[0-9a-f]{64}$/);
        expect(standInId(STACK, TYPES.secret, SECRET)).not.toBe(standInId("other", TYPES.secret, SECRET));
        expect(standInAutoName(STACK, TYPES.secret, SECRET)).toMatch(/^sv-password-[0-9a-f]{7}$/);
        expect(CONFIG_ID).toBe(standInId(STACK, TYPES.config, CONFIG));
    });

    it("says what DidNotConvergeError says, with Go's duration text", () => {
        expect(didNotConvergeMessage("abc", 10 * SECOND)).toBe("Service with ID (abc) did not converge after 10s");
        expect(didNotConvergeMessage("abc", 180 * SECOND)).toBe("Service with ID (abc) did not converge after 3m0s");
    });
});
