// The program and its stack files: the dev and prod stacks evaluate under mocks and do not collide
// on one Docker host, the swarm stack deploys services, and the project file runs index.ts whatever
// package.json's "main" says.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { OPEN_WEBUI_DEFAULTS } from "../../components/openWebUISettings";
import { SWARM_DEFAULTS } from "../../components/swarmSettings";
import { VALKEY_DEFAULTS } from "../../components/valkeySettings";
import { CONFIG_KEYS, CONTAINER_ONLY_KEYS, ConfigKey, SWARM_ONLY_KEYS, fullKey, readStackSettings } from "../../program/stackConfig";
import { ROOT, envMap, renderPlan, resource } from "../helpers/planCli";
import type { Plan } from "../../tools/plan/evaluate";
import { loadStackConfig } from "../../tools/plan/stackFiles";

const CONTAINER = "docker:index/container:Container";
const SERVICE = "docker:index/service:Service";
const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
/** A Pulumi.yaml default as the CLI hands it to the program: a string, JSON for lists. */
const asConfigValue = (value: unknown): string => (typeof value === "object" ? JSON.stringify(value) : String(value));
/** Every key at its Pulumi.yaml default, as a stack that sets nothing gets them. */
const projectDefaults: Record<string, string> = Object.fromEntries(Object.entries<any>(project.config).map(([k, schema]) => [k, asConfigValue(schema.default)]));

describe("Pulumi.yaml", () => {
    it("runs index.ts, never the library that package.json points at", () => {
        expect(project.runtime).toBe("nodejs");
        expect(project.name).toBe("openwebui-valkey");
        expect(project.main).toBe("index.ts");
        expect(fs.existsSync(path.join(ROOT, project.main))).toBe(true);
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        // Pulumi would run package.json's main if Pulumi.yaml named none; it must not be the program.
        expect(pkg.main === undefined || path.normalize(pkg.main) !== "index.js").toBe(true);
    });

    it("declares every config key the program reads, with type, default and description", () => {
        expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
        for (const [key, schema] of Object.entries<any>(project.config)) {
            expect([key, typeof schema.type, "default" in schema, typeof schema.description]).toEqual([key, "string", true, "string"]);
        }
    });

    it("has the same defaults as the components", () => {
        const d = (k: string) => project.config[k].default;
        expect(d("valkeyImage")).toBe(VALKEY_DEFAULTS.image);
        expect(d("valkeyMaxclients")).toBe(VALKEY_DEFAULTS.maxclients);
        expect(d("valkeyTimeoutSeconds")).toBe(VALKEY_DEFAULTS.timeoutSeconds);
        expect(d("valkeyTcpKeepaliveSeconds")).toBe(VALKEY_DEFAULTS.tcpKeepaliveSeconds);
        expect(d("valkeyMaxmemoryPolicy")).toBe(VALKEY_DEFAULTS.maxmemoryPolicy);
        expect(d("valkeyAuthentication")).toBe(VALKEY_DEFAULTS.authentication);
        expect(d("valkeyRunAsValkeyUser")).toBe(VALKEY_DEFAULTS.runAsValkeyUser);
        expect(d("valkeyHostAddress")).toBe(VALKEY_DEFAULTS.hostAddress);
        expect(d("retainDataOnDelete")).toBe(VALKEY_DEFAULTS.retainDataOnDelete);
        expect(d("openWebUIImage")).toBe(OPEN_WEBUI_DEFAULTS.image);
        expect(d("openWebUIHostPort")).toBe(OPEN_WEBUI_DEFAULTS.hostPort);
        expect(d("openWebUIHostAddress")).toBe(OPEN_WEBUI_DEFAULTS.hostAddress);
        expect(d("uvicornWorkers")).toBe(OPEN_WEBUI_DEFAULTS.uvicornWorkers);
        expect(d("redisKeyPrefix")).toBe(OPEN_WEBUI_DEFAULTS.redisKeyPrefix);
        expect(d("redisHealthCheckIntervalSeconds")).toBe(OPEN_WEBUI_DEFAULTS.redisHealthCheckIntervalSeconds);
        expect(d("redisSocketKeepalive")).toBe(OPEN_WEBUI_DEFAULTS.redisSocketKeepalive);
    });

    it("gives the Swarm-only keys the defaults the program compares against (SWARM_ONLY_KEYS), which are the components' (SWARM_DEFAULTS)", () => {
        const d = (k: string) => project.config[k].default;
        for (const key of Object.keys(SWARM_ONLY_KEYS) as ConfigKey[]) {
            expect({ key, default: asConfigValue(d(key)) }).toEqual({ key, default: SWARM_ONLY_KEYS[key] });
        }
        expect(d("orchestrator")).toBe("docker");
        expect(d("swarmEndpointMode")).toBe(SWARM_DEFAULTS.endpointMode);
        expect(d("swarmPublishMode")).toBe(SWARM_DEFAULTS.publishMode);
        expect(d("valkeyPlacementLabel")).toBe(SWARM_DEFAULTS.valkeyPlacementLabel);
        expect(d("openWebUIReplicas")).toBe(SWARM_DEFAULTS.replicas);
        expect(d("openWebUIMaxReplicasPerNode")).toBe(SWARM_DEFAULTS.maxReplicasPerNode);
        expect(d("openWebUIStorageProvider")).toBe(SWARM_DEFAULTS.storageProvider);
        // Empty: start-first, or stop-first with host publishing (computed by the component).
        expect(d("openWebUIUpdateOrder")).toBe("");
        expect(d("openWebUIStorageEnvs")).toEqual([]);
        expect(d("swarmPreflight")).toBe(true);
    });

    it("says Swarm only in the description of exactly the Swarm-only keys", () => {
        const described = Object.keys(project.config).filter((k) => project.config[k].description.startsWith("Swarm only."));
        expect(described.sort()).toEqual(Object.keys(SWARM_ONLY_KEYS).sort());
    });

    it("leaves a stack that sets nothing valid with either orchestrator: container-only keys at their defaults pass on a swarm, Swarm-only ones on a docker host", () => {
        const read = (overrides: Record<string, string>) => (key: ConfigKey) => ({ ...projectDefaults, ...overrides })[key];
        expect(readStackSettings("dev", read({})).orchestrator).toBe("docker");
        expect(readStackSettings("dev", read({ orchestrator: "swarm" })).swarm).toEqual({
            endpointMode: SWARM_DEFAULTS.endpointMode,
            publishMode: SWARM_DEFAULTS.publishMode,
            placementLabel: SWARM_DEFAULTS.valkeyPlacementLabel,
            replicas: SWARM_DEFAULTS.replicas,
            maxReplicasPerNode: SWARM_DEFAULTS.maxReplicasPerNode,
            updateOrder: undefined,
            storageProvider: SWARM_DEFAULTS.storageProvider,
            storageEnvs: undefined,
            preflight: true,
        });
        // And each container-only key, changed from its default, is refused on a swarm.
        for (const key of Object.keys(CONTAINER_ONLY_KEYS) as ConfigKey[]) {
            const changed = key.endsWith("Address") ? "0.0.0.0" : "4242";
            expect(() => readStackSettings("dev", read({ orchestrator: "swarm", [key]: changed }))).toThrow(new RegExp(`^${fullKey(key)} = "${changed}": it has no effect with orchestrator swarm`));
        }
    });
});

describe("the swarm stack file", () => {
    it("renders with orchestrator swarm, two replicas and the stack's PostgreSQL with pgvector", () => {
        const stack = loadStackConfig(ROOT, "swarm");
        const settings = readStackSettings("swarm", (key) => stack.config[fullKey(key)], {
            values: stack.config,
            isSecret: (key) => stack.secretKeys.includes(key),
        });
        expect(settings.orchestrator).toBe("swarm");
        expect(settings.swarm).toMatchObject({ replicas: 2, endpointMode: "vip", publishMode: "ingress", placementLabel: "openwebui-valkey.valkey", preflight: true });
        expect(settings.postgres).toMatchObject({ image: "docker.io/pgvector/pgvector:0.8.0-pg17", containerName: "swarm-postgres", memoryLimitMb: 1024 });
        expect(settings.openWebUI.vectorDb).toBe("pgvector");
        expect(settings.names.valkeyContainer).toBe("swarm-valkey");
    });
});

describe("the dev and prod stacks", () => {
    let dev: Plan;
    let prod: Plan;
    beforeAll(() => {
        dev = renderPlan("dev");
        prod = renderPlan("prod");
    });

    const BASE_TYPES = [
        "docker:index/container:Container",
        "docker:index/container:Container",
        "docker:index/network:Network",
        "docker:index/remoteImage:RemoteImage",
        "docker:index/remoteImage:RemoteImage",
        "docker:index/volume:Volume",
        "docker:index/volume:Volume",
        "openwebui-valkey:index:OpenWebUI",
        "openwebui-valkey:index:ValkeyCache",
        "pulumi:pulumi:Stack",
        "random:index/randomPassword:RandomPassword",
        "random:index/randomPassword:RandomPassword",
    ];
    const POSTGRES_TYPES = [
        "docker:index/container:Container",
        "docker:index/remoteImage:RemoteImage",
        "docker:index/volume:Volume",
        "openwebui-valkey:index:PostgresDatabase",
        "random:index/randomPassword:RandomPassword",
    ];

    it("dev is one ValkeyCache and one OpenWebUI; prod adds a PostgresDatabase", () => {
        expect(dev.resources.map((r) => r.type).sort()).toEqual([...BASE_TYPES].sort());
        expect(prod.resources.map((r) => r.type).sort()).toEqual([...BASE_TYPES, ...POSTGRES_TYPES].sort());
    });

    it("prefix every physical name with the stack name and use different host ports", () => {
        const names = (plan: Plan) => plan.resources.map((r) => r.inputs.name).filter((n): n is string => typeof n === "string" && !n.includes(":"));
        expect(names(dev).sort()).toEqual(["dev-open-webui", "dev-open-webui-data", "dev-openwebui-network", "dev-valkey", "dev-valkey-data"]);
        expect(names(prod).sort()).toEqual(["prod-open-webui", "prod-open-webui-data", "prod-openwebui-network", "prod-postgres", "prod-postgres-data", "prod-valkey", "prod-valkey-data"]);
        const port = (plan: Plan) => (resource(plan, CONTAINER, "open-webui-container").inputs.ports as any[])[0].external;
        expect(port(dev)).toBe(3000);
        expect(port(prod)).toBe(3100);
    });

    it("prod pins images, runs four workers on PostgreSQL with pgvector and limits memory with maxmemory at 75%", () => {
        const valkey = resource(prod, CONTAINER, "valkey-container").inputs;
        expect(valkey.memory).toBe(512);
        expect(valkey.command).toEqual(expect.arrayContaining(["--maxmemory", "384mb"]));
        expect(valkey.ulimits).toContainEqual({ name: "nproc", soft: 256, hard: 256 });
        const web = resource(prod, CONTAINER, "open-webui-container").inputs;
        expect(web.memory).toBe(4096);
        expect(envMap(web.envs)).toMatchObject({ UVICORN_WORKERS: "4", VECTOR_DB: "pgvector" });
        expect(resource(prod, CONTAINER, "postgres-container").inputs).toMatchObject({ name: "prod-postgres", memory: 1024, user: "999" });
        expect(resource(prod, "docker:index/remoteImage:RemoteImage", "open-webui-image").inputs.name).toMatch(/:v\d+\.\d+\.\d+$/);
        expect(resource(prod, "docker:index/remoteImage:RemoteImage", "valkey-image").inputs.name).toMatch(/:\d+\.\d+\.\d+-alpine$/);
        expect(resource(prod, "docker:index/remoteImage:RemoteImage", "postgres-image").inputs.name).toBe("docker.io/pgvector/pgvector:0.8.0-pg17");
        // Open WebUI takes the database's URL through its secrets file and waits for both servers.
        const webResource = resource(prod, CONTAINER, "open-webui-container");
        expect(webResource.propertyDependencies?.uploads).toEqual(expect.arrayContaining([expect.stringMatching(/::postgres-password$/)]));
        expect(webResource.options.dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/PostgresDatabase\$docker:index\/container:Container::postgres-container$/)]));
        expect(envMap(resource(dev, CONTAINER, "open-webui-container").inputs.envs)).toMatchObject({ UVICORN_WORKERS: "1" });
        expect(envMap(resource(dev, CONTAINER, "open-webui-container").inputs.envs).VECTOR_DB).toBeUndefined();
    });

    it("has every container replaced, not merely re-recorded, when its health wait failed (#initerror) or its healthcheck changed", () => {
        for (const plan of [dev, prod]) {
            const containers = plan.resources.filter((r) => r.type === CONTAINER);
            expect(containers.length).toBe(plan === dev ? 2 : 3);
            for (const c of containers) {
                expect({ name: c.name, replaceOnChanges: c.options.replaceOnChanges, wait: c.inputs.wait }).toEqual({ name: c.name, replaceOnChanges: ["#initerror", "healthcheck"], wait: true });
                expect(c.inputs.destroyGraceSeconds).toBeGreaterThanOrEqual(30);
                expect(c.inputs.stopTimeout).toBe(c.inputs.destroyGraceSeconds);
            }
        }
    });

    it("protects the data volumes on prod, and only them", () => {
        const protectedOnes = (plan: Plan) => plan.resources.filter((r) => r.options.protect).map((r) => `${r.type} ${r.name}`).sort();
        expect(protectedOnes(prod)).toEqual(["docker:index/volume:Volume open-webui-data", "docker:index/volume:Volume postgres-data", "docker:index/volume:Volume valkey-data"]);
        expect(protectedOnes(dev)).toEqual([]);
    });

    it("orders Open WebUI after Valkey with dependsOn, and takes no input from the Valkey container", () => {
        const web = resource(dev, CONTAINER, "open-webui-container");
        const valkeyUrn = resource(dev, CONTAINER, "valkey-container").urn;
        expect(web.options.dependsOn).toContain(valkeyUrn);
        const fromValkeyContainer = Object.entries(web.propertyDependencies ?? {}).filter(([, urns]) => urns.includes(valkeyUrn));
        expect(fromValkeyContainer).toEqual([]);
    });

    it("exports the useful outputs, with passwords only inside secrets", () => {
        expect(dev.outputs).toEqual({
            networkName: "dev-openwebui-network",
            openWebUIContainer: "dev-open-webui",
            openWebUIUrl: "http://127.0.0.1:3000",
            openWebUIVolume: "dev-open-webui-data",
            // A secret output shows as [secret] whole, as `pulumi preview` shows it.
            redisUrl: "[secret]",
            valkeyContainer: "dev-valkey",
            valkeyVolume: "dev-valkey-data",
            websocketRedisUrl: "[secret]",
        });
        expect(prod.outputs).toMatchObject({ postgresContainer: "prod-postgres", postgresVolume: "prod-postgres-data", databaseUrl: "[secret]" });
    });

    it("can use the tutorial's exact names", () => {
        const plan = renderPlan("dev", { config: { useTutorialNames: true } });
        expect(resource(plan, CONTAINER, "valkey-container").inputs.name).toBe("valkey");
        expect(resource(plan, "docker:index/volume:Volume", "valkey-data").inputs.name).toBe("valkey-data");
        expect(resource(plan, "docker:index/network:Network", "valkey-network").inputs.name).toBe("openwebui-network");
        expect(resource(plan, CONTAINER, "open-webui-container").inputs.name).toBe("open-webui");
        expect(resource(plan, "docker:index/volume:Volume", "open-webui-data").inputs.name).toBe("open-webui");
    });
});

describe("the swarm stack", () => {
    let swarm: Plan;
    beforeAll(() => {
        swarm = renderPlan("swarm");
    });

    it("runs Valkey and Open WebUI as services and PostgreSQL as a container on the overlay network", () => {
        const types = swarm.resources.map((r) => r.type);
        expect(types.filter((t) => t === SERVICE)).toHaveLength(2);
        expect(swarm.resources.filter((r) => r.type === CONTAINER).map((r) => r.name)).toEqual(["postgres-container"]);
        expect(swarm.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.name)).toEqual(["postgres-image"]);
        expect(types).toEqual(expect.arrayContaining(["openwebui-valkey:index:SwarmValkeyCache", "openwebui-valkey:index:SwarmOpenWebUI", "openwebui-valkey:index:PostgresDatabase"]));
        expect(types).not.toContain("openwebui-valkey:index:ValkeyCache");
        expect(types).not.toContain("openwebui-valkey:index:OpenWebUI");
        const network = resource(swarm, "docker:index/network:Network", "valkey-network").inputs;
        expect(network).toEqual({ name: "swarm-openwebui-network", driver: "overlay", attachable: true });
        expect((resource(swarm, CONTAINER, "postgres-container").inputs.networksAdvanced as any[])[0].name).toBe("swarm-openwebui-network");
    });

    it("runs two Open WebUI replicas, one per node, on PostgreSQL with pgvector, and Valkey on the labelled node", () => {
        const web = resource(swarm, SERVICE, "open-webui-service").inputs as any;
        expect(web.name).toBe("swarm-open-webui");
        expect(web.mode).toEqual({ replicated: { replicas: 2 } });
        expect(web.taskSpec.placement).toEqual({ maxReplicas: 1 });
        expect(web.taskSpec.containerSpec.env).toMatchObject({ VECTOR_DB: "pgvector", UVICORN_WORKERS: "1" });
        expect(web.endpointSpec.ports).toEqual([{ targetPort: 8080, publishedPort: 3000, protocol: "tcp", publishMode: "ingress" }]);
        const valkey = resource(swarm, SERVICE, "valkey-service").inputs as any;
        expect(valkey.name).toBe("swarm-valkey");
        expect(valkey.taskSpec.placement).toEqual({ constraints: ["node.labels.openwebui-valkey.valkey==true"] });
        expect(valkey.taskSpec.containerSpec.args).toEqual(expect.arrayContaining(["--maxmemory", "384mb"]));
        expect(valkey.taskSpec.resources).toEqual({ limits: { memoryBytes: 512 * 1024 * 1024 } });
    });

    it("protects the one data volume Pulumi manages (the services' volumes are Docker's, on their nodes)", () => {
        expect(swarm.resources.filter((r) => r.options.protect).map((r) => `${r.type} ${r.name}`)).toEqual(["docker:index/volume:Volume postgres-data"]);
    });

    it("exports the services, the published port and the URLs as secrets", () => {
        expect(swarm.outputs).toEqual({
            databaseUrl: "[secret]",
            networkName: "swarm-openwebui-network",
            openWebUIPublishedPort: 3000,
            openWebUIService: "swarm-open-webui",
            openWebUIVolume: "swarm-open-webui-data",
            postgresContainer: "swarm-postgres",
            postgresVolume: "swarm-postgres-data",
            redisUrl: "[secret]",
            valkeyService: "swarm-valkey",
            valkeyVolume: "swarm-valkey-data",
        });
    });
});
