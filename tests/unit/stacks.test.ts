// The program and its stack files: both stacks evaluate under mocks, do not collide on one Docker
// host, and the project file runs index.ts whatever package.json's "main" says.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { OPEN_WEBUI_DEFAULTS } from "../../components/openWebUISettings";
import { VALKEY_DEFAULTS } from "../../components/valkeySettings";
import { CONFIG_KEYS } from "../../program/stackConfig";
import { ROOT, envMap, renderPlan, resource } from "../helpers/planCli";
import type { Plan } from "../../tools/plan/evaluate";

const CONTAINER = "docker:index/container:Container";
const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));

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
