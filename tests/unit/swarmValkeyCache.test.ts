// SwarmValkeyCache under Pulumi's mocks: the service is the container's rendering of the same
// resolved settings (server options, healthcheck, capabilities, read-only root, stop grace), with the
// password only in a Docker secret, and what only a service has (placement, rollout, convergence).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SettingErrors } from "../../components/settingError";
import { SwarmValkeyCache, SwarmValkeyCacheArgs } from "../../components/swarmValkeyCache";
import { VALKEY_PASSWORD_FILE, resolveSwarmValkeySettings, valkeyTaskSpec } from "../../components/swarmValkeySettings";
import { SWARM_DEFAULTS, checkPlacementLabel, labelConstraint, serviceImage, serviceSeconds, shortDuration, versionedName } from "../../components/swarmSettings";
import { ValkeyCache } from "../../components/valkeyCache";
import { resolveValkeySettings, valkeyCapabilities, valkeyHealthcheck, valkeyServerOptions } from "../../components/valkeySettings";
import { DeclaredResource, findResource, installMocks, isSecret, resolve, settle } from "../helpers/pulumiMocks";

const SERVICE = "docker:index/service:Service";
const SECRET = "docker:index/secret:Secret";
const NETWORK = "docker:index/network:Network";
const CONTAINER = "docker:index/container:Container";
const PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";

/** A password with characters a shell, a URL and base64 would each treat specially. */
const PASSWORD = "s3cret'pw $HOME&/=+";
const base64 = (s: string) => Buffer.from(s).toString("base64");

/** The shared (container) arguments both flavours are given in these tests. */
const SHARED = {
    maxclients: 5000,
    timeoutSeconds: 900,
    tcpKeepaliveSeconds: 120,
    maxmemoryMb: 384,
    memoryLimitMb: 512,
    maxmemoryPolicy: "volatile-lru",
    stopGraceSeconds: 45,
    waitTimeoutSeconds: 90,
};

describe("SwarmValkeyCache under mocks", () => {
    let declared: DeclaredResource[];
    let cache: SwarmValkeyCache;
    const service = () => findResource(declared, SERVICE, "valkey-service");
    const spec = () => service().inputs.taskSpec.containerSpec;

    beforeAll(async () => {
        declared = await installMocks();
        cache = new SwarmValkeyCache("valkey", {
            ...SHARED,
            serviceName: "sw-valkey",
            networkName: "sw-net",
            volumeName: "sw-valkey-data",
            password: pulumi.secret(PASSWORD),
            placementLabel: "cache.node",
            endpointMode: "dnsrr",
        });
        // The container flavour, from the same shared arguments, to compare against.
        new ValkeyCache("twin", { ...SHARED, containerName: "twin-valkey", password: pulumi.secret(PASSWORD) });
        await resolve(cache.url);
        await settle();
    });

    it("starts valkey-server with the server options the container flavour gets from the same settings", () => {
        const shared = resolveValkeySettings("valkey", SHARED);
        const args = spec().args as string[];
        expect(args.slice(0, 4)).toEqual([
            "sh",
            "-c",
            `REDISCLI_AUTH="$(cat ${VALKEY_PASSWORD_FILE})" && export REDISCLI_AUTH && exec docker-entrypoint.sh valkey-server "$@" --requirepass "$REDISCLI_AUTH"`,
            "valkey-server",
        ]);
        expect(args.slice(4)).toEqual(valkeyServerOptions(shared));
        expect(args).toEqual(expect.arrayContaining(["--maxclients", "5000", "--timeout", "900", "--maxmemory", "384mb", "--maxmemory-policy", "volatile-lru", "--tcp-keepalive", "120"]));
        // And the container really gets the same options.
        const container = findResource(declared, CONTAINER, "twin-container").inputs;
        expect(args.slice(3)).toEqual(container.command.slice(3));
        // The image's entrypoint is kept: the service sets its command only.
        expect(spec().commands).toBeUndefined();
        // Docker Hub's familiar form, as the service reads it back.
        expect(spec().image).toBe("valkey/valkey:8.0.1-alpine");
    });

    it("checks health like the container, with the password read from the Docker secret", () => {
        const container = findResource(declared, CONTAINER, "twin-container").inputs;
        const health = spec().healthcheck;
        expect(VALKEY_PASSWORD_FILE).toBe("/run/secrets/valkey-password");
        expect(health).toEqual(valkeyHealthcheck(VALKEY_PASSWORD_FILE));
        expect(health.tests).toEqual(["CMD-SHELL", `REDISCLI_AUTH="$(cat /run/secrets/valkey-password)" && export REDISCLI_AUTH && ${container.healthcheck.tests[1]}`]);
        const { tests: _t, ...timing } = health;
        const { tests: _c, ...containerTiming } = container.healthcheck;
        expect(timing).toEqual(containerTiming);
    });

    it("drops every capability but the entrypoint's three (CAP_ form), read-only, with the container's stop grace in Go form", () => {
        const shared = resolveValkeySettings("valkey", SHARED);
        const caps = valkeyCapabilities(shared);
        expect(spec().capDrops).toEqual(caps.drops);
        expect(spec().capAdds).toEqual(caps.adds);
        expect(spec().capAdds).toEqual(["CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"]);
        const container = findResource(declared, CONTAINER, "twin-container").inputs;
        expect({ drops: spec().capDrops, adds: spec().capAdds }).toEqual(container.capabilities);
        expect(spec().readOnly).toBe(true);
        expect(spec().readOnly).toBe(container.readOnly);
        expect(spec().stopGracePeriod).toBe("45s");
        expect(container.stopTimeout).toBe(45);
        expect(spec().user).toBeUndefined();
        expect(spec().mounts).toEqual([{ type: "volume", source: "sw-valkey-data", target: "/data" }]);
        expect(service().inputs.taskSpec.resources).toEqual({ limits: { memoryBytes: 512 * 1024 * 1024 } });
    });

    it("never puts the password into the service's inputs, in any form", () => {
        const json = JSON.stringify(service().inputs);
        expect(json).not.toContain(PASSWORD);
        expect(json).not.toContain(JSON.stringify(PASSWORD).slice(1, -1));
        expect(json).not.toContain(base64(PASSWORD));
        expect(json).not.toContain(encodeURIComponent(PASSWORD));
        // Nothing in the service is secret: previews show all of it.
        expect(service().secretInputs).toEqual([]);
        const network = findResource(declared, NETWORK, "valkey-network");
        expect(JSON.stringify(network.inputs)).not.toContain(base64(PASSWORD));
    });

    it("keeps the password only base64 in the Secret's data, marked secret, under a name that does not reveal it", () => {
        const secret = findResource(declared, SECRET, "valkey-password-secret");
        expect(secret.inputs.data).toBe(base64(PASSWORD));
        expect(secret.secretInputs).toEqual(["data"]);
        expect(secret.inputs.name).toMatch(/^sw-valkey-password-[0-9a-f]{12}$/);
        // Keyed with the component's own random key (kept in state), so the name is no unsalted digest of the password.
        expect(secret.inputs.name).toBe(versionedName("sw-valkey-password", PASSWORD, "generatedvalkeysecretnamekey"));
        expect(secret.inputs.name).not.toBe(versionedName("sw-valkey-password", PASSWORD));
        expect(findResource(declared, PASSWORD_TYPE, "valkey-secret-name-key").inputs).toMatchObject({ length: 32, special: false });
        // The password was given: none is generated.
        expect(declared.find((r) => r.type === PASSWORD_TYPE && r.name === "valkey-password")).toBeUndefined();
    });

    it("mounts that secret as /run/secrets/valkey-password, readable by the valkey user only", () => {
        const secret = findResource(declared, SECRET, "valkey-password-secret");
        expect(spec().secrets).toEqual([
            { secretId: "valkey-password-secret-id", secretName: secret.inputs.name, fileName: "valkey-password", fileUid: "999", fileGid: "999", fileMode: 0o400 },
        ]);
        expect(`/run/secrets/${spec().secrets[0].fileName}`).toBe(VALKEY_PASSWORD_FILE);
    });

    it("pins the task to the labelled node, on an attachable overlay network, with the endpoint mode given", () => {
        const task = service().inputs.taskSpec;
        expect(task.placement).toEqual({ constraints: ["node.labels.cache.node==true"] });
        expect(labelConstraint("cache.node")).toBe("node.labels.cache.node==true");
        expect(findResource(declared, NETWORK, "valkey-network").inputs).toEqual({ name: "sw-net", driver: "overlay", attachable: true });
        expect(task.networksAdvanceds).toEqual([{ name: "valkey-network-id", aliases: ["valkey"] }]);
        expect(service().inputs.endpointSpec).toEqual({ mode: "dnsrr" });
        expect(service().inputs.mode).toEqual({ replicated: { replicas: 1 } });
        expect(service().inputs.name).toBe("sw-valkey");
        expect(task.restartPolicy).toEqual({ condition: "any", delay: "1s", maxAttempts: 0, window: "0s" });
        expect(task.logDriver).toEqual({ name: "json-file", options: { "max-size": "1m", "max-file": "1" } });
    });

    it("updates and rolls back stop-first (never two servers on one AOF), and waits for convergence as long as waitTimeoutSeconds", () => {
        expect(service().inputs.updateConfig).toEqual({ parallelism: 1, order: "stop-first", failureAction: "rollback", monitor: SWARM_DEFAULTS.updateMonitor });
        expect(service().inputs.rollbackConfig).toEqual({ parallelism: 1, order: "stop-first", failureAction: "pause", monitor: SWARM_DEFAULTS.updateMonitor });
        expect(service().inputs.convergeConfig).toEqual({ delay: "1s", timeout: "1m30s" });
    });

    it("outputs a secret URL and the network's id and names", async () => {
        expect(await resolve(cache.url)).toBe(`redis://:${encodeURIComponent(PASSWORD)}@valkey:6379/0`);
        expect(await isSecret(cache.url)).toBe(true);
        expect(await isSecret(cache.password)).toBe(true);
        expect(await resolve(cache.urlForDb(1))).toBe(`redis://:${encodeURIComponent(PASSWORD)}@valkey:6379/1`);
        expect(await resolve(cache.networkId)).toBe("valkey-network-id");
        expect(await resolve(cache.networkName)).toBe("sw-net");
        expect(await resolve(cache.serviceName)).toBe("sw-valkey");
        expect(await resolve(cache.volumeName)).toBe("sw-valkey-data");
        expect(await resolve(cache.timeoutSeconds)).toBe(900);
    });

    it("takes the defaults: the default label, vip, a generated password, a one-minute convergence wait", async () => {
        const plain = new SwarmValkeyCache("plain", {});
        expect(await resolve(plain.url)).toBe("redis://:generatedplainpassword@valkey:6379/0");
        await settle();
        const s = findResource(declared, SERVICE, "plain-service").inputs;
        expect(s.name).toBe("plain");
        expect(s.taskSpec.placement.constraints).toEqual([`node.labels.${SWARM_DEFAULTS.valkeyPlacementLabel}==true`]);
        expect(s.taskSpec.placement.constraints).toEqual(["node.labels.openwebui-valkey.valkey==true"]);
        expect(s.endpointSpec).toEqual({ mode: "vip" });
        expect(s.convergeConfig).toEqual({ delay: "1s", timeout: "1m" });
        expect(s.taskSpec.containerSpec.stopGracePeriod).toBe("30s");
        expect(s.taskSpec.resources).toBeUndefined();
        expect(findResource(declared, NETWORK, "plain-network").inputs).toEqual({ name: "plain-network", driver: "overlay", attachable: true });
        expect(findResource(declared, PASSWORD_TYPE, "plain-password").inputs).toMatchObject({ length: 32, special: false });
        expect(findResource(declared, SECRET, "plain-password-secret").inputs.data).toBe(base64("generatedplainpassword"));
        expect(JSON.stringify(s)).not.toContain("generatedplainpassword");
    });

    it("runs as the valkey user with no capability at all when asked", async () => {
        new SwarmValkeyCache("unprivileged", { runAsValkeyUser: true });
        await settle();
        const c = findResource(declared, SERVICE, "unprivileged-service").inputs.taskSpec.containerSpec;
        expect(c.user).toBe("999");
        expect(c.capDrops).toEqual(["ALL"]);
        expect(c.capAdds).toBeUndefined();
    });

    it("without authentication has no password, no secret and a plain command and healthcheck", async () => {
        const open = new SwarmValkeyCache("open", { authentication: false });
        expect(await resolve(open.url)).toBe("redis://valkey:6379/0");
        await settle();
        const c = findResource(declared, SERVICE, "open-service").inputs.taskSpec.containerSpec;
        expect(c.args).toEqual(["valkey-server", ...valkeyServerOptions(resolveValkeySettings("open", {}))]);
        expect(c.healthcheck.tests).toEqual(["CMD-SHELL", `[ "$(valkey-cli ping)" = 'PONG' ]`]);
        expect(c.secrets).toBeUndefined();
        expect(declared.filter((r) => r.name.startsWith("open-") && (r.type === SECRET || r.type === PASSWORD_TYPE))).toEqual([]);
    });

    it("refuses bad shared and Swarm arguments together, before any child exists", async () => {
        const before = declared.length;
        let error: unknown;
        try {
            new SwarmValkeyCache("bad", { timeoutSeconds: 0, placementLabel: "Valkey Node", endpointMode: "round-robin" });
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(SettingErrors);
        expect((error as SettingErrors).errors.map((e) => e.setting)).toEqual(["timeoutSeconds", "placementLabel", "endpointMode"]);
        await settle();
        expect(declared.slice(before).filter((r) => !r.type.startsWith("openwebui-valkey:"))).toEqual([]);
    });
});

describe("the password secret's name", () => {
    /** The Secret's name in a fresh mock deployment of one SwarmValkeyCache "valkey" (the same name key each time, as state keeps it). */
    async function secretName(args: SwarmValkeyCacheArgs): Promise<string> {
        const declared = await installMocks();
        const cache = new SwarmValkeyCache("valkey", args);
        await resolve(cache.url);
        await settle();
        return findResource(declared, SECRET, "valkey-password-secret").inputs.name;
    }

    it("changes when the password changes, and not when anything else does", async () => {
        const first = await secretName({ password: pulumi.secret("first-password") });
        expect(await secretName({ password: pulumi.secret("first-password") })).toBe(first);
        expect(await secretName({ password: pulumi.secret("first-password"), maxclients: 500, stopGraceSeconds: 60, placementLabel: "other.label" })).toBe(first);
        const second = await secretName({ password: pulumi.secret("second-password") });
        expect(second).not.toBe(first);
        expect(second).toMatch(/^valkey-password-[0-9a-f]{12}$/);
    });
});

describe("the task's shell, run for real", () => {
    // The command and the healthcheck read /run/secrets/valkey-password; here the file is a temporary
    // one, docker-entrypoint.sh and valkey-cli are stand-ins that print what they were given.
    let dir: string;
    const settings = resolveSwarmValkeySettings("valkey", { maxclients: 64 });
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-valkey-shell-"));
        fs.writeFileSync(path.join(dir, "valkey-password"), PASSWORD);
        fs.writeFileSync(path.join(dir, "docker-entrypoint.sh"), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "valkey-cli"), '#!/bin/sh\nif [ "$REDISCLI_AUTH" = "$EXPECTED" ]; then echo PONG; else echo "NOAUTH Authentication required."; fi\n', { mode: 0o755 });
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const local = (script: string) => {
        expect(script).toContain(VALKEY_PASSWORD_FILE);
        return script.split(VALKEY_PASSWORD_FILE).join(path.join(dir, "valkey-password"));
    };
    const shellEnv = (expected: string) => ({ PATH: `${dir}:${process.env.PATH}`, EXPECTED: expected });

    it("hands valkey-server the options and the password from the file, unchanged", () => {
        const [sh, c, script, ...rest] = valkeyTaskSpec(settings, true).args;
        const out = execFileSync(sh, [c, local(script), ...rest], { encoding: "utf8", env: shellEnv(PASSWORD) });
        expect(out.split("\n").slice(0, -1)).toEqual(["valkey-server", ...valkeyServerOptions(settings), "--requirepass", PASSWORD]);
    });

    it("reports healthy only when the password from the file is the server's", () => {
        const [kind, test] = valkeyHealthcheck(VALKEY_PASSWORD_FILE).tests;
        expect(kind).toBe("CMD-SHELL");
        expect(() => execFileSync("sh", ["-c", local(test)], { env: shellEnv(PASSWORD) })).not.toThrow();
        expect(() => execFileSync("sh", ["-c", local(test)], { env: shellEnv("another-password"), stdio: "pipe" })).toThrow();
    });
});

describe("Swarm helpers (pure)", () => {
    it("writes whole seconds as a service reads its durations back (Go's canonical form, shortened)", () => {
        expect([1, 30, 59, 60, 90, 600, 3599, 3600, 3660, 3725].map(serviceSeconds)).toEqual(["1s", "30s", "59s", "1m", "1m30s", "10m", "59m59s", "1h", "1h1m", "1h2m5s"]);
        expect(["5s", "10m0s", "1h0m0s", "1h0m5s"].map(shortDuration)).toEqual(["5s", "10m", "1h", "1h0m5s"]);
    });

    it("writes Docker Hub images in the familiar form a service reads back", () => {
        expect(serviceImage("docker.io/valkey/valkey:8.0.1-alpine")).toBe("valkey/valkey:8.0.1-alpine");
        expect(serviceImage("docker.io/library/redis:7")).toBe("redis:7");
        expect(serviceImage("ghcr.io/open-webui/open-webui:v0.12.4")).toBe("ghcr.io/open-webui/open-webui:v0.12.4");
    });

    it("names immutable objects by a digest of their content, keyed for secrets", () => {
        const plain = versionedName("base", "content");
        expect(plain).toMatch(/^base-[0-9a-f]{12}$/);
        expect(versionedName("base", "content")).toBe(plain);
        expect(versionedName("base", "content2")).not.toBe(plain);
        const keyed = versionedName("base", "content", "key-a");
        expect(keyed).not.toBe(plain);
        expect(versionedName("base", "content", "key-a")).toBe(keyed);
        expect(versionedName("base", "content", "key-b")).not.toBe(keyed);
    });

    it("accepts label keys a constraint can hold and refuses others, naming the fix", () => {
        for (const ok of ["openwebui-valkey.valkey", "a", "node_1", "x.y-z"]) {
            expect(() => checkPlacementLabel("placementLabel", ok)).not.toThrow();
        }
        for (const bad of ["", "Valkey", "-x", "x.", "a b", "a==true", "x".repeat(129)]) {
            expect(() => checkPlacementLabel("placementLabel", bad)).toThrow(/placementLabel = .*a node label key is lowercase.*Fix: .*docker node update --label-add <key>=true <node>/);
        }
    });

    it("gives the Swarm settings their defaults beside the shared ones", () => {
        const s = resolveSwarmValkeySettings("v", {});
        expect([s.placementLabel, s.endpointMode, s.containerName, s.createNetworkName, s.createVolumeName]).toEqual(["openwebui-valkey.valkey", "vip", "v", "v-network", "v-data"]);
    });
});
