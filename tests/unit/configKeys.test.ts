// Keys the program does not know and secrets stored in plain text are refused before any resource,
// naming the key (and, for a typo, the nearest known key) but never the value.
import * as pulumi from "@pulumi/pulumi";
import { SettingError, SettingErrors } from "../../components/settingError";
import { CONFIG_KEYS, GivenConfig, SECRET_CONFIG_KEYS, checkConfigKeys, fullKey, nearestConfigKey, readStackSettings } from "../../program/stackConfig";
import { DeclaredResource, installMocks, settle } from "../helpers/pulumiMocks";

const plain = (values: Record<string, string>, secretKeys: string[] = []): GivenConfig => ({ values, isSecret: (k) => secretKeys.includes(k) });
const messages = (errors: SettingError[]) => errors.map((e) => e.message);

describe("the nearest known key", () => {
    it.each([
        ["valkeyMaxClients", "valkeyMaxclients"],
        ["uvicornWorker", "uvicornWorkers"],
        ["valkeypassword", "valkeyPassword"],
        ["openWebUiHostPort", "openWebUIHostPort"],
        ["redisKeyPrefx", "redisKeyPrefix"],
        ["databaseURL", "databaseUrl"],
        ["openWebUIReplica", "openWebUIReplicas"],
        ["swarmEndpointmode", "swarmEndpointMode"],
        ["valkeyPlacementLabels", "valkeyPlacementLabel"],
        ["orchestrater", "orchestrator"],
        ["swarmPreFlight", "swarmPreflight"],
    ])("%s → %s", (typo, known) => {
        expect(nearestConfigKey(typo)).toBe(known);
    });
});

describe("checkConfigKeys", () => {
    it("refuses a mistyped key, naming it and the nearest known key, not its value", () => {
        const errors = checkConfigKeys("dev", plain({ "openwebui-valkey:valkeyMaxClients": "hunter2" }));
        expect(messages(errors)).toEqual([
            'openwebui-valkey:valkeyMaxClients = "[hidden]": this program has no setting of that name (did you mean valkeyMaxclients?). Fix: pulumi config rm valkeyMaxClients, then pulumi config set valkeyMaxclients <value>.',
        ]);
        expect(errors[0].setting).toBe("openwebui-valkey:valkeyMaxClients");
    });

    it("suggests --secret when the nearest key is a secret one", () => {
        const [error] = checkConfigKeys("dev", plain({ "openwebui-valkey:valkeyPasword": "hunter2" }));
        expect(error.message).toMatch(/did you mean valkeyPassword\?\)\. Fix: pulumi config rm valkeyPasword, then pulumi config set --secret valkeyPassword <value>/);
        expect(error.message).not.toContain("hunter2");
    });

    it("accepts every known key and ignores other namespaces", () => {
        const values: Record<string, string> = { "docker:host": "unix:///var/run/docker.sock", "pulumi:disable-default-providers": "[]", "openwebui-valkeyx:foo": "1" };
        for (const key of Object.keys(CONFIG_KEYS)) {
            values[`openwebui-valkey:${key}`] = "";
        }
        expect(checkConfigKeys("dev", plain(values))).toEqual([]);
    });

    it("refuses each secret key stored in plain text, naming the fix and never the value", () => {
        for (const key of SECRET_CONFIG_KEYS) {
            const errors = checkConfigKeys("prod", plain({ [fullKey(key)]: "hunter2-value" }));
            expect(messages(errors)).toEqual([
                `openwebui-valkey:${key} = "[secret]": it is stored in plain text, readable by anyone who can read Pulumi.prod.yaml. Fix: store it encrypted with pulumi config set --secret ${key} (it prompts for the value).`,
            ]);
        }
    });

    it("accepts secrets stored encrypted, and empty values (the project default, i.e. unset)", () => {
        const all = Object.fromEntries(SECRET_CONFIG_KEYS.map((k) => [fullKey(k), "value"]));
        expect(checkConfigKeys("dev", plain(all, Object.keys(all)))).toEqual([]);
        expect(checkConfigKeys("dev", plain(Object.fromEntries(SECRET_CONFIG_KEYS.map((k) => [fullKey(k), ""]))))).toEqual([]);
    });
});

describe("readStackSettings with the whole configuration", () => {
    it("reports key problems first, together with the values' problems, in one error", () => {
        const values = { "openwebui-valkey:uvicornWorker": "4", "openwebui-valkey:secretKey": "hunter2", "openwebui-valkey:valkeyMaxclients": "0" };
        let error: unknown;
        try {
            readStackSettings("dev", (k) => values[fullKey(k) as keyof typeof values], plain(values));
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SettingErrors);
        expect((error as SettingErrors).errors.map((e) => e.setting)).toEqual([
            "openwebui-valkey:uvicornWorker",
            "openwebui-valkey:secretKey",
            "openwebui-valkey:valkeyMaxclients",
        ]);
        expect((error as Error).message).not.toContain("hunter2");
    });

    it("passes a clean configuration", () => {
        const values = { "openwebui-valkey:valkeyMaxclients": "500", "openwebui-valkey:secretKey": "s3cr3t-key" };
        const settings = readStackSettings("dev", (k) => values[fullKey(k) as keyof typeof values], plain(values, ["openwebui-valkey:secretKey"]));
        expect(settings.valkey.maxclients).toBe(500);
        expect(settings.given.secretKey).toBe(true);
    });
});

// The program itself, under Pulumi's mocks, with the configuration set as the engine sets it.
describe("index.ts", () => {
    let declared: DeclaredResource[];
    beforeAll(async () => {
        declared = await installMocks("dev");
    });
    afterEach(() => pulumi.runtime.setAllConfig({}, []));

    /** Loads the program afresh (it runs at load time) and returns what it threw, if anything. */
    function runProgram(config: Record<string, string>, secretKeys: string[]): unknown {
        pulumi.runtime.setAllConfig(config, secretKeys);
        let thrown: unknown;
        jest.isolateModules(() => {
            try {
                require("../../index");
            } catch (e) {
                thrown = e;
            }
        });
        return thrown;
    }

    it("refuses a plain-text password before declaring any resource", async () => {
        const before = declared.length;
        const thrown = runProgram({ "openwebui-valkey:valkeyPassword": "hunter2-plain" }, []);
        await settle();
        expect(thrown).toBeInstanceOf(Error);
        expect((thrown as Error).name).toBe("SettingError");
        expect((thrown as Error).message).toMatch(/^openwebui-valkey:valkeyPassword = "\[secret\]": it is stored in plain text.*Fix: store it encrypted with pulumi config set --secret valkeyPassword/);
        expect((thrown as Error).message).not.toContain("hunter2");
        expect(declared.slice(before)).toEqual([]);
    });

    it("refuses a mistyped key before declaring any resource", async () => {
        const before = declared.length;
        const thrown = runProgram({ "openwebui-valkey:valkeyMaxClients": "5" }, []);
        await settle();
        expect((thrown as Error)?.message).toMatch(/^openwebui-valkey:valkeyMaxClients = "\[hidden\]": .*did you mean valkeyMaxclients\?/);
        expect(declared.slice(before)).toEqual([]);
    });

    it("uses a password stored encrypted, as a secret", async () => {
        const before = declared.length;
        const thrown = runProgram({ "openwebui-valkey:valkeyPassword": "hunter2-encrypted" }, ["openwebui-valkey:valkeyPassword"]);
        await settle();
        expect(thrown).toBeUndefined();
        const mine = declared.slice(before);
        expect(mine.find((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "valkey-password")).toBeUndefined();
        const valkey = mine.find((r) => r.type === "docker:index/container:Container" && r.name === "valkey-container")!;
        expect(valkey).toBeDefined();
        // Whichever inputs carry the password, each is marked secret.
        const holders = Object.keys(valkey.inputs).filter((k) => JSON.stringify(valkey.inputs[k]).includes("hunter2-encrypted"));
        expect(holders.length).toBeGreaterThan(0);
        for (const key of holders) expect(valkey.secretInputs).toContain(key);
    });

    it("with orchestrator swarm declares services instead of containers (and reads no swarm under mocks)", async () => {
        const before = declared.length;
        const thrown = runProgram({ "openwebui-valkey:orchestrator": "swarm", "openwebui-valkey:valkeyPassword": "hunter2-swarm" }, ["openwebui-valkey:valkeyPassword"]);
        await settle();
        expect(thrown).toBeUndefined();
        const mine = declared.slice(before);
        expect(mine.filter((r) => r.type === "docker:index/service:Service").map((r) => r.inputs.name).sort()).toEqual(["dev-open-webui", "dev-valkey"]);
        expect(mine.filter((r) => r.type === "docker:index/container:Container")).toEqual([]);
        // The password given encrypted reaches Valkey as a Docker secret, never in the service.
        expect(JSON.stringify(mine.find((r) => r.name === "valkey-service")!.inputs)).not.toContain("hunter2-swarm");
        const secret = mine.find((r) => r.type === "docker:index/secret:Secret" && r.name === "valkey-password-secret")!;
        expect(secret.inputs.data).toBe(Buffer.from("hunter2-swarm").toString("base64"));
        expect(secret.secretInputs).toEqual(["data"]);
    });

    it("refuses a Swarm-only key on a docker stack before declaring any resource", async () => {
        const before = declared.length;
        const thrown = runProgram({ "openwebui-valkey:openWebUIReplicas": "3" }, []);
        await settle();
        expect((thrown as Error)?.message).toMatch(/^openwebui-valkey:openWebUIReplicas = "3": it applies to Swarm services only, and this stack deploys containers\. Fix: pulumi config rm openWebUIReplicas, or pulumi config set orchestrator swarm\.$/);
        expect(declared.slice(before)).toEqual([]);
    });

    it("refuses a mistyped Swarm key on a swarm stack before declaring any resource", async () => {
        const before = declared.length;
        const thrown = runProgram({ "openwebui-valkey:orchestrator": "swarm", "openwebui-valkey:openWebUIReplica": "2" }, []);
        await settle();
        expect((thrown as Error)?.message).toMatch(/^openwebui-valkey:openWebUIReplica = "\[hidden\]": .*did you mean openWebUIReplicas\?/);
        expect(declared.slice(before)).toEqual([]);
    });
});
