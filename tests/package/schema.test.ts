// The component package as Python, Go or YAML programs see it through `pulumi package add`: the
// schema Pulumi infers from the TypeScript sources, checked without the CLI, and schema.json kept
// current so that API changes show in review.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import { DeclaredResource, installMocks, resolve, settle, sourceEnvFile } from "../helpers/pulumiMocks";
import { ROOT, SCHEMA_FILE, componentProvider, packageComponents, providerName, renderSchema } from "./componentSchema";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const PROVIDER = providerName(pkg.name);
const OPEN_WEBUI = `${PROVIDER}:index:OpenWebUI`;
const POSTGRES = `${PROVIDER}:index:PostgresDatabase`;
const VALKEY = `${PROVIDER}:index:ValkeyCache`;
const SWARM_OPEN_WEBUI = `${PROVIDER}:index:SwarmOpenWebUI`;
const SWARM_VALKEY = `${PROVIDER}:index:SwarmValkeyCache`;
const TOKENS = [OPEN_WEBUI, POSTGRES, SWARM_OPEN_WEBUI, SWARM_VALKEY, VALKEY];

interface Property {
    type?: string;
    $ref?: string;
    description?: string;
    plain?: boolean;
    optional?: boolean;
}
interface Resource {
    isComponent: boolean;
    description?: string;
    inputProperties: Record<string, Property>;
    requiredInputs?: string[];
    properties: Record<string, Property>;
    required?: string[];
}

describe("the component package's schema", () => {
    let rendered: string;
    let schema: { name: string; version: string; resources: Record<string, Resource>; types: Record<string, unknown> };
    beforeAll(async () => {
        rendered = await renderSchema();
        schema = JSON.parse(rendered);
    }, 60_000);

    it("is a nodejs plugin named after the npm package, whose name is the type tokens' first part", () => {
        expect(YAML.parse(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8"))).toEqual({ runtime: "nodejs" });
        expect(pkg.name).toBe("openwebui-valkey");
        expect(schema.name).toBe(PROVIDER);
        expect(schema.version).toBe(pkg.version);
        expect(Object.keys(schema.resources).sort()).toEqual(TOKENS);
        for (const token of TOKENS) {
            expect(schema.resources[token].isComponent).toBe(true);
        }
        // No argument refers to another resource or a type of its own: nothing for other languages to import.
        expect(schema.types).toEqual({});
    });

    it("loads the components from package.json's main, as the plugin host does, and analyzes components/index.ts", () => {
        expect(packageComponents().map((c) => c.name).sort()).toEqual(["OpenWebUI", "PostgresDatabase", "SwarmOpenWebUI", "SwarmValkeyCache", "ValkeyCache"]);
        // The analyzer reads exports["."] (then main) with .js changed to .ts; without a match it falls
        // back to the root index.ts, the Pulumi program, which would hide a broken entry point.
        const analyzer = new Analyzer(ROOT, PROVIDER, pkg, new Set(["ValkeyCache", "OpenWebUI", "PostgresDatabase", "SwarmValkeyCache", "SwarmOpenWebUI"]));
        const entry = (analyzer as unknown as { findProgramEntryPoint(): { fileName: string } }).findProgramEntryPoint();
        expect(path.relative(ROOT, entry.fileName)).toBe(path.join("components", "index.ts"));
    }, 60_000);

    it("describes every argument with its default (or that it is required) and every output", () => {
        const undocumented: string[] = [];
        for (const [token, resource] of Object.entries(schema.resources)) {
            for (const [name, p] of Object.entries(resource.inputProperties)) {
                if (!p.description || !/\bDefault\b|\bRequired\b/.test(p.description)) {
                    undocumented.push(`${token} input ${name}: ${p.description ?? "(none)"}`);
                }
            }
            for (const [name, p] of Object.entries(resource.properties)) {
                if (!p.description) {
                    undocumented.push(`${token} output ${name}`);
                }
            }
        }
        expect(undocumented).toEqual([]);
    });

    it("has the arguments and outputs of the TypeScript API", () => {
        const cache = schema.resources[`${PROVIDER}:index:ValkeyCache`];
        const webui = schema.resources[`${PROVIDER}:index:OpenWebUI`];
        expect(cache.requiredInputs ?? []).toEqual([]);
        expect([...(webui.requiredInputs ?? [])].sort()).toEqual(["networkName", "redisUrl"]);
        // Values that may come from other resources are Inputs; the rest are plain (known when the
        // component is constructed: names, ports, limits).
        expect(webui.inputProperties.redisUrl).toMatchObject({ type: "string" });
        expect(webui.inputProperties.redisUrl.plain).toBeUndefined();
        expect(webui.inputProperties.hostPort).toMatchObject({ type: "number", plain: true, optional: true });
        expect(webui.inputProperties.extraEnvs).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
        expect(webui.inputProperties.redisSentinelHosts).toMatchObject({ type: "array", items: { type: "string" } });
        expect(cache.inputProperties.password.plain).toBeUndefined();
        expect(Object.keys(cache.properties).sort()).toEqual(["containerName", "host", "networkName", "password", "port", "timeoutSeconds", "url", "volumeName"]);
        // urlForDb is a method: methods are not part of a schema.
        expect(Object.keys(webui.properties).sort()).toEqual(["containerName", "secretKey", "url", "volumeName", "websocketRedisUrl"]);
    });

    it("is the committed schema.json (npm run schema refreshes it)", () => {
        const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "(missing)";
        if (committed !== rendered) {
            throw new Error("schema.json is not the schema the components infer: run `npm run schema` and review the diff");
        }
    });
});

describe("the component provider (what serves another language's program)", () => {
    let declared: DeclaredResource[];
    beforeAll(async () => {
        declared = await installMocks();
    });

    it("constructs the three components from schema inputs and returns the schema's outputs", async () => {
        const provider = componentProvider();
        const schema = JSON.parse(await provider.getSchema());
        const outputsOf = (token: string) => Object.keys(schema.resources[token].properties).sort();

        const cache = await provider.construct("valkey", VALKEY, { memoryLimitMb: 512, maxmemoryMb: 384 }, {});
        expect(Object.keys(cache.state).sort()).toEqual(outputsOf(VALKEY));
        const db = await provider.construct("postgres", POSTGRES, { networkName: cache.state.networkName, memoryLimitMb: 512 }, {});
        expect(Object.keys(db.state).sort()).toEqual(outputsOf(POSTGRES));
        // Outputs of one component are inputs of the other, as in a Python or YAML program.
        const webui = await provider.construct(
            "open-webui",
            OPEN_WEBUI,
            {
                redisUrl: cache.state.url,
                networkName: cache.state.networkName,
                redisServerTimeoutSeconds: cache.state.timeoutSeconds,
                databaseUrl: db.state.databaseUrl,
                vectorDb: "pgvector",
                uvicornWorkers: 2,
                hostPort: 3000,
            },
            {},
        );
        expect(Object.keys(webui.state).sort()).toEqual(outputsOf(OPEN_WEBUI));
        expect(await resolve(pulumi.output(webui.state.websocketRedisUrl))).toBe("redis://:generatedvalkeypassword@valkey:6379/1");
        await settle();
        const container = declared.find((r) => r.name === "open-webui-container")!;
        const secrets = sourceEnvFile(container.inputs.uploads[0].content);
        expect(secrets.REDIS_URL).toBe("redis://:generatedvalkeypassword@valkey:6379/0");
        expect(secrets.DATABASE_URL).toBe("postgresql://openwebui:generatedpostgrespassword@postgres:5432/openwebui");
        expect(declared.map((r) => r.type)).toEqual(expect.arrayContaining([OPEN_WEBUI, POSTGRES, VALKEY]));
    }, 60_000);

    it("constructs the two Swarm components from schema inputs, the Valkey password reaching the service as a Docker secret only", async () => {
        const provider = componentProvider();
        const schema = JSON.parse(await provider.getSchema());
        const outputsOf = (token: string) => Object.keys(schema.resources[token].properties).sort();
        const cache = await provider.construct("swarm-valkey", SWARM_VALKEY, { endpointMode: "dnsrr" }, {});
        expect(Object.keys(cache.state).sort()).toEqual(outputsOf(SWARM_VALKEY));
        const webui = await provider.construct(
            "swarm-open-webui",
            SWARM_OPEN_WEBUI,
            { redisUrl: cache.state.url, networkId: cache.state.networkId, redisServerTimeoutSeconds: cache.state.timeoutSeconds, endpointMode: "dnsrr", publishMode: "host" },
            {},
        );
        expect(Object.keys(webui.state).sort()).toEqual(outputsOf(SWARM_OPEN_WEBUI));
        await settle();
        const service = declared.find((r) => r.name === "swarm-valkey-service")!;
        expect(JSON.stringify(service.inputs)).not.toContain("generatedswarmvalkeypassword");
        const secret = declared.find((r) => r.name === "swarm-valkey-password-secret")!;
        expect(Buffer.from(secret.inputs.data, "base64").toString()).toBe("generatedswarmvalkeypassword");
        expect(declared.map((r) => r.type)).toEqual(expect.arrayContaining([SWARM_OPEN_WEBUI, SWARM_VALKEY]));
    }, 60_000);
});

describe("the plugin that `pulumi package add` starts", () => {
    let plugin: ChildProcess | undefined;
    afterAll(() => {
        plugin?.kill();
    });

    it("starts from the package's directory (the .ts sources under ts-node when nothing is built, as in a fresh clone) and serves schema.json over gRPC", async () => {
        // As Pulumi's nodejs language host runs a plugin: @pulumi/pulumi's run-plugin with the
        // package's directory, which registers ts-node, requires package.json's "main", finds the
        // exported components and serves them; it prints the port it listens on.
        const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        plugin = spawn(process.execPath, [path.join(pulumiDir, "cmd", "run-plugin", "index.js"), ROOT], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<number>((res, rej) => {
            let out = "";
            let err = "";
            plugin!.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) res(Number(m[1]));
            });
            plugin!.stderr!.on("data", (d) => (err += d));
            plugin!.on("exit", (code) => rej(new Error(`the plugin exited (${code}) before listening:\n${out}\n${err}`)));
        });
        // The engine's side of the conversation, with the SDK's own gRPC stubs.
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
        const { ResourceProviderClient } = require(path.join(pulumiDir, "proto", "provider_grpc_pb"));
        const { GetSchemaRequest } = require(path.join(pulumiDir, "proto", "provider_pb"));
        const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const served = await new Promise<string>((res, rej) =>
            client.getSchema(new GetSchemaRequest(), (e: Error | null, r: { getSchema(): string }) => (e ? rej(e) : res(r.getSchema()))),
        );
        client.close();
        expect(JSON.parse(served)).toEqual(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")));
    }, 120_000);
});
