// The npm package as a user gets it: `npm pack` of a clean copy of the sources (as a fresh clone
// holds them), the tarball installed into a copy of each program in examples/, which must type-check
// against it and declare the expected resources when run under Pulumi's mocks.
//
// Nothing here touches the working tree: building and packing happen in the copy, so the other
// suites (which load components/*.ts) never see compiled files appear or vanish. Only the examples'
// other dependencies come from the repository's node_modules (linked, so no registry is needed).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import * as YAML from "yaml";
import { sourceEnvFile } from "../helpers/pulumiMocks";
import type { DeclaredResource, MockRunResult, MockRunSpec } from "./mockRun";

const ROOT = path.resolve(__dirname, "../..");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const CONTAINER = "docker:index/container:Container";
const OPEN_WEBUI = "openwebui-valkey:index:OpenWebUI";
const VALKEY_CACHE = "openwebui-valkey:index:ValkeyCache";
/** The public API: what `import ... from "openwebui-valkey"` yields at run time. */
const PUBLIC_VALUES = ["OpenWebUI", "PostgresDatabase", "SwarmOpenWebUI", "SwarmValkeyCache", "ValkeyCache"];

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

// Under `npm test`, npm exports where it was started; the npm commands here must work where they run.
const { npm_config_local_prefix: _prefix, npm_package_json: _manifest, INIT_CWD: _initCwd, ...childEnv } = process.env;

function run(command: string, args: string[], cwd: string, timeout = 90_000): Run {
    const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout, env: { ...childEnv, npm_config_update_notifier: "false" } });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? `${r.error ?? ""}` };
}

function mustRun(command: string, args: string[], cwd: string): Run {
    const r = run(command, args, cwd);
    if (r.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    }
    return r;
}

/** What a fresh clone holds: the working tree less what .gitignore keeps out of the repository. */
function copySources(from: string, to: string): void {
    const ignoredDirs = new Set(["node_modules", ".git", "coverage"]);
    fs.cpSync(from, to, {
        recursive: true,
        filter: (src) => {
            const name = path.basename(src);
            if (ignoredDirs.has(name)) return false;
            if (name === "jest.config.js") return true;
            return !/\.(js|d\.ts|js\.map|tgz)$/.test(name);
        },
    });
}

/** Compiled files beside the sources; the build writes them, `npm run clean` (and postpack) removes them. */
function compiledFiles(dir: string): string[] {
    return fs.readdirSync(path.join(dir, "components")).filter((f) => /\.(js|d\.ts)$/.test(f));
}

/** The environment the server sees: the reviewable envs, then the secrets file its entrypoint sources. */
function env(resource: DeclaredResource): Record<string, string> {
    const shown = Object.fromEntries((resource.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    return { ...shown, ...sourceEnvFile(resource.inputs.uploads[0].content) };
}

function byType(result: MockRunResult, type: string): DeclaredResource[] {
    return result.resources.filter((r) => r.type === type);
}

describe("the npm package", () => {
    let work: string;
    let tarball: string;
    let packed: { filename: string; size: number; entryCount: number; files: { path: string }[] };
    const started = Date.now();

    beforeAll(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "openwebui-valkey-package-"));
        const stage = path.join(work, "source");
        copySources(ROOT, stage);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(stage, "node_modules"), "dir");
        // prepack builds (npm run build) and postpack cleans: `npm pack` alone must give a complete package.
        const pack = mustRun("npm", ["pack", "--json", "--pack-destination", work], stage);
        packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")))[0];
        tarball = path.join(work, packed.filename);
        console.log(`packed ${packed.filename}: ${packed.size} bytes, ${packed.entryCount} files`);
        expect(compiledFiles(stage)).toEqual([]);
    }, 120_000);

    afterAll(() => {
        if (work && !process.env.KEEP_PACKAGE_TEST_DIR) {
            fs.rmSync(work, { recursive: true, force: true });
        }
        console.log(`pack and consume: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    it("ships the compiled components and the public declarations only", () => {
        const sources = fs
            .readdirSync(path.join(ROOT, "components"))
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
            .map((f) => `components/${f.replace(/\.ts$/, ".js")}`);
        const declarations = [
            "components/index.d.ts",
            "components/openWebUI.d.ts",
            "components/postgresDatabase.d.ts",
            "components/valkeyCache.d.ts",
            "components/swarmOpenWebUI.d.ts",
            "components/swarmValkeyCache.d.ts",
        ];
        expect(packed.files.map((f) => f.path).sort()).toEqual(["README.md", "package.json", ...sources, ...declarations].sort());
        expect(fs.existsSync(tarball)).toBe(true);
    });

    it("names its entry points, and takes @pulumi/pulumi as a peer (one SDK per program)", () => {
        expect(PACKAGE.exports["."]).toEqual({ types: "./components/index.d.ts", default: "./components/index.js" });
        expect(PACKAGE.types).toBe("components/index.d.ts");
        expect(PACKAGE.main).toBe("components/index");
        expect(PACKAGE.peerDependencies["@pulumi/pulumi"]).toBeDefined();
        expect(PACKAGE.dependencies["@pulumi/pulumi"]).toBeUndefined();
    });

    it("leaves no stale compiled files beside the sources of the working tree (they would shadow the .ts for tsx, ts-node and jest)", () => {
        const stale = compiledFiles(ROOT).filter((f) => {
            const source = path.join(ROOT, "components", f.replace(/\.(js|d\.ts)$/, ".ts"));
            return !fs.existsSync(source) || fs.statSync(source).mtimeMs > fs.statSync(path.join(ROOT, "components", f)).mtimeMs;
        });
        if (stale.length > 0) {
            throw new Error(`stale compiled files in components/: ${stale.join(", ")}; run \`npm run clean\` (or \`npm run build\`)`);
        }
    });

    describe.each([
        ["shared-valkey", "two Open WebUI instances sharing one ValkeyCache"],
        ["managed-redis", "Open WebUI against a managed rediss:// endpoint"],
        ["swarm", "Open WebUI replicas and Valkey as Swarm services, with PostgreSQL and S3 uploads"],
    ])("examples/%s (%s)", (example) => {
        let dir: string;
        let project: { name: string; main: string };
        let result: MockRunResult;
        const config: Record<string, string> = {};
        const secretKeys: string[] = [];

        beforeAll(() => {
            dir = path.join(work, example);
            copySources(path.join(ROOT, "examples", example), dir);
            project = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
            // Install the tarball as a user would. Its dependencies and the example's others are linked
            // from the repository's node_modules, so that nothing comes from the registry or the npm
            // cache (npm does not install a linked directory's own dependencies: they resolve there).
            const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
            const others = Object.keys({ ...PACKAGE.dependencies, ...manifest.dependencies, ...manifest.devDependencies }).filter((n) => n !== PACKAGE.name);
            const links = [...new Set(others)].sort().map((n) => path.join(ROOT, "node_modules", n));
            mustRun("npm", ["install", "--no-save", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball, ...links], dir);
            // Every dependency the example declares is installed, in a version its range accepts.
            mustRun("npm", ["ls", "--offline"], dir);
            mustRun(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir);

            const secret = (key: string, value: string) => {
                config[`${project.name}:${key}`] = value;
                secretKeys.push(`${project.name}:${key}`);
            };
            if (example === "shared-valkey") {
                secret("databaseUrl", "postgresql://openwebui:db-password@postgres.example.com:5432/openwebui");
                config[`${project.name}:redisKeyPrefix`] = "team-a";
            } else if (example === "managed-redis") {
                secret("redisUrl", "rediss://default:managed-password@cache.example.com:6380/0");
            } else {
                // A kernel without IPVS: dnsrr, and so host publishing by the example's own default.
                config[`${project.name}:endpointMode`] = "dnsrr";
                config[`${project.name}:s3Bucket`] = "openwebui-uploads";
                config[`${project.name}:s3EndpointUrl`] = "https://s3.example.com";
                config[`${project.name}:s3AccessKeyId`] = "uploads-key-id";
                secret("s3SecretAccessKey", "s3-secret-example");
            }
            const spec: MockRunSpec = { programDir: dir, main: project.main, project: project.name, stack: "test", config, secretKeys, packageName: PACKAGE.name };
            fs.writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
            fs.copyFileSync(path.join(__dirname, "mockRun.ts"), path.join(dir, "mockRun.ts"));
            const tsx = pathToFileURL(require.resolve("tsx")).href;
            mustRun(process.execPath, ["--import", tsx, "mockRun.ts", "spec.json", "result.json"], dir);
            result = JSON.parse(fs.readFileSync(path.join(dir, "result.json"), "utf8"));
        }, 120_000);

        it("imports the package by name: its public values, one @pulumi/pulumi, no deep imports", () => {
            expect(fs.readFileSync(path.join(dir, project.main), "utf8")).toMatch(/from "openwebui-valkey"/);
            expect(result.importExports).toEqual(PUBLIC_VALUES);
            // Pulumi's plugin host loads a package by requiring its directory (package.json "main").
            expect(result.mainExports).toEqual(PUBLIC_VALUES);
            expect(result.pulumiSdkEntries).toHaveLength(1);
            expect(result.deepImportError).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
        });

        it("declares in its Pulumi.yaml every config key it reads", () => {
            const source = fs.readFileSync(path.join(dir, project.main), "utf8");
            const read = [...source.matchAll(/config\.(?:get|require)\w*\("([^"]+)"\)/g)].map((m) => m[1]);
            const declared = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).config;
            expect([...new Set(read)].sort()).toEqual(Object.keys(declared).sort());
        });

        it("refuses, at type level too, an import of the package's internals", () => {
            fs.writeFileSync(path.join(dir, "deepImport.ts"), 'import { buildRedisUrl } from "openwebui-valkey/components/redisUrl";\nexport const f = buildRedisUrl;\n');
            fs.writeFileSync(path.join(dir, "tsconfig.deep.json"), JSON.stringify({ extends: "./tsconfig.json", files: ["deepImport.ts"] }));
            const r = run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.deep.json"], dir);
            expect(r.status).not.toBe(0);
            // Cannot find module (exports map, node16 resolution) or no declaration for it (classic resolution).
            expect(r.stdout).toMatch(/TS2307|TS7016/);
        }, 60_000);

        if (example === "shared-valkey") {
            it("declares one ValkeyCache and two OpenWebUI with distinct names and host ports", () => {
                expect(byType(result, VALKEY_CACHE).map((r) => r.name)).toEqual(["shared-valkey"]);
                expect(byType(result, OPEN_WEBUI).map((r) => r.name).sort()).toEqual(["open-webui-1", "open-webui-2"]);
                const webuis = byType(result, CONTAINER).filter((c) => c.name.startsWith("open-webui"));
                expect(webuis.map((c) => c.inputs.name).sort()).toEqual(["open-webui-1", "open-webui-2"]);
                expect(webuis.map((c) => c.inputs.ports[0].external).sort()).toEqual([3000, 3001]);
                expect(new Set(webuis.map((c) => c.inputs.volumes[0].volumeName)).size).toBe(2);
                // One generated secret key (the first instance's) and the Valkey password: no second key.
                expect(byType(result, "random:index/randomPassword:RandomPassword").map((r) => r.name).sort()).toEqual(["open-webui-1-secret-key", "shared-valkey-password"]);
            });

            it("gives both instances the same cache, secret key, key prefix and PostgreSQL, as secrets", () => {
                const valkey = byType(result, CONTAINER).find((c) => c.name === "shared-valkey-container")!;
                const [a, b] = byType(result, CONTAINER)
                    .filter((c) => c.name.startsWith("open-webui"))
                    .sort((x, y) => (x.name < y.name ? -1 : 1));
                const [ea, eb] = [env(a), env(b)];
                expect(ea.WEBUI_SECRET_KEY).toBe("generatedopenwebui1secretkey");
                expect(eb.WEBUI_SECRET_KEY).toBe(ea.WEBUI_SECRET_KEY);
                expect([ea.REDIS_KEY_PREFIX, eb.REDIS_KEY_PREFIX]).toEqual(["team-a", "team-a"]);
                expect(ea.DATABASE_URL).toBe(config["openwebui-shared-valkey:databaseUrl"]);
                expect(eb.DATABASE_URL).toBe(ea.DATABASE_URL);
                expect(ea.REDIS_URL).toBe("redis://:generatedsharedvalkeypassword@valkey:6379/0");
                expect(eb.REDIS_URL).toBe(ea.REDIS_URL);
                expect([ea.WEBSOCKET_REDIS_URL, eb.WEBSOCKET_REDIS_URL]).toEqual(Array(2).fill("redis://:generatedsharedvalkeypassword@valkey:6379/1"));
                for (const c of [a, b]) {
                    expect(c.secretInputs).toEqual(["uploads"]);
                    expect(c.inputs.networksAdvanced[0].name).toBe(valkey.inputs.networksAdvanced[0].name);
                }
                expect(result.outputs.urls).toEqual(["http://127.0.0.1:3000", "http://127.0.0.1:3001"]);
            });
        } else if (example === "managed-redis") {
            it("declares Open WebUI and its network, and nothing of Valkey", () => {
                expect(result.resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
                    "docker:index/container:Container open-webui-container",
                    "docker:index/network:Network open-webui-network",
                    "docker:index/remoteImage:RemoteImage open-webui-image",
                    "docker:index/volume:Volume open-webui-data",
                    `${OPEN_WEBUI} open-webui`,
                    "pulumi:pulumi:Stack openwebui-managed-redis-test",
                    "random:index/randomPassword:RandomPassword open-webui-secret-key",
                ]);
                expect(byType(result, CONTAINER).map((r) => r.name)).toEqual(["open-webui-container"]);
                expect(byType(result, "docker:index/network:Network").map((r) => r.inputs.name)).toEqual(["open-webui-managed"]);
            });

            it("uses the managed db-0 URL for the app and the websocket manager, TLS, no Cluster client", () => {
                const c = byType(result, CONTAINER)[0];
                const e = env(c);
                expect(e.REDIS_URL).toBe(config["openwebui-managed-redis:redisUrl"]);
                expect(e.REDIS_URL).toMatch(/^rediss:\/\/.*\/0$/);
                expect(e.WEBSOCKET_REDIS_URL).toBe(e.REDIS_URL);
                expect(e.REDIS_CLUSTER).toBeUndefined();
                expect(e.WEBSOCKET_REDIS_CLUSTER).toBeUndefined();
                expect(e.WEBSOCKET_MANAGER).toBe("redis");
                expect(c.secretInputs).toEqual(["uploads"]);
                expect(c.inputs.networksAdvanced[0].name).toBe("open-webui-managed");
            });
        } else {
            const SERVICE = "docker:index/service:Service";
            const service = (name: string) => byType(result, SERVICE).find((r) => r.name === name)!;

            it("declares Valkey and Open WebUI as services, and PostgreSQL as a container on their overlay network", () => {
                expect(byType(result, "openwebui-valkey:index:SwarmValkeyCache").map((r) => r.name)).toEqual(["valkey"]);
                expect(byType(result, "openwebui-valkey:index:SwarmOpenWebUI").map((r) => r.name)).toEqual(["open-webui"]);
                expect(byType(result, "openwebui-valkey:index:PostgresDatabase").map((r) => r.name)).toEqual(["postgres"]);
                expect(byType(result, SERVICE).map((r) => r.name).sort()).toEqual(["open-webui-service", "valkey-service"]);
                expect(byType(result, CONTAINER).map((r) => r.name)).toEqual(["postgres-container"]);
                expect(byType(result, "docker:index/network:Network").map((r) => r.inputs)).toEqual([{ name: "valkey-network", driver: "overlay", attachable: true }]);
                expect(byType(result, CONTAINER)[0].inputs.networksAdvanced[0].name).toBe("valkey-network");
                expect(service("open-webui-service").inputs.taskSpec.networksAdvanceds).toEqual([{ name: "valkey-network-id" }]);
            });

            it("pins Valkey to the labelled node and runs two Open WebUI replicas, one per node, dnsrr with host publishing", () => {
                const valkey = service("valkey-service").inputs;
                expect(valkey.taskSpec.placement.constraints).toEqual(["node.labels.openwebui-valkey.valkey==true"]);
                expect(valkey.endpointSpec).toEqual({ mode: "dnsrr" });
                const web = service("open-webui-service").inputs;
                expect(web.mode).toEqual({ replicated: { replicas: 2 } });
                expect(web.taskSpec.placement).toEqual({ maxReplicas: 1 });
                expect(web.endpointSpec).toEqual({ mode: "dnsrr", ports: [{ targetPort: 8080, publishedPort: 3000, protocol: "tcp", publishMode: "host" }] });
                // Host publishing: the old task holds the node's port, so updates stop it first.
                expect(web.updateConfig).toMatchObject({ order: "stop-first", failureAction: "rollback" });
                expect(result.outputs).toEqual({ openWebUIService: "open-webui", publishedPort: 3000, valkeyService: "valkey", postgresContainer: "postgres" });
            });

            it("shares PostgreSQL with pgvector and the S3 bucket, with every secret in the Docker secret file and none in the service", () => {
                const web = service("open-webui-service");
                expect(web.inputs.taskSpec.containerSpec.env).toMatchObject({
                    VECTOR_DB: "pgvector",
                    STORAGE_PROVIDER: "s3",
                    S3_BUCKET_NAME: "openwebui-uploads",
                    S3_ENDPOINT_URL: "https://s3.example.com",
                    S3_ACCESS_KEY_ID: "uploads-key-id",
                });
                expect(web.secretInputs).toEqual([]);
                const shown = JSON.stringify([web.inputs, service("valkey-service").inputs]);
                for (const secret of ["s3-secret-example", "generatedpostgrespassword", "generatedvalkeypassword", "generatedopenwebuisecretkey"]) {
                    expect({ secret, shown: shown.includes(secret) }).toEqual({ secret, shown: false });
                }
                const file = byType(result, "docker:index/secret:Secret").find((r) => r.name === "open-webui-env-secret")!;
                expect(file.secretInputs).toEqual(["data"]);
                expect(sourceEnvFile(Buffer.from(file.inputs.data, "base64").toString("utf8"))).toEqual({
                    DATABASE_URL: "postgresql://openwebui:generatedpostgrespassword@postgres:5432/openwebui",
                    REDIS_URL: "redis://:generatedvalkeypassword@valkey:6379/0",
                    WEBSOCKET_REDIS_URL: "redis://:generatedvalkeypassword@valkey:6379/1",
                    WEBUI_SECRET_KEY: "generatedopenwebuisecretkey",
                    S3_SECRET_ACCESS_KEY: "s3-secret-example",
                });
            });
        }
    });
});
