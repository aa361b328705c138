// The realizer's orchestration, against an in-memory engine.

import { RUN_LABEL_KEY, RealizeError, realize, removeByLabel, replaceContainer } from "../../tools/realize/realizer";
import { PlanError, dependencyOrder, parsePlan } from "../../tools/realize/plan";
import type { Plan, PlanResource } from "../../tools/realize/plan";
import { FakeDocker } from "./fakeDocker";
import {
    CONTAINER_URN,
    IMAGE_URN,
    LOCAL_IMAGE,
    NETWORK_URN,
    STACK_URN,
    UPSTREAM_IMAGE,
    VOLUME_URN,
    containerResource,
    valkeyInputs,
    valkeyPlan,
} from "./fixtures";

const IMAGE_ID = "sha256:feed";
const imageMap = { [UPSTREAM_IMAGE]: LOCAL_IMAGE };
const RUN = "run-42";

function engine(behaviour: ConstructorParameters<typeof FakeDocker>[0] = {}): FakeDocker {
    return new FakeDocker({ images: { [LOCAL_IMAGE]: IMAGE_ID }, ...behaviour });
}

const go = (docker: FakeDocker, plan: Plan | unknown = valkeyPlan(), extra: Record<string, unknown> = {}) =>
    realize(plan, { docker: docker.asDockerode(), imageMap, runLabel: RUN, pollMilliseconds: 1, ...extra });

describe("realize", () => {
    it("creates network and volume before the container, then joins the network and waits", async () => {
        const docker = engine();
        const realization = await go(docker);
        expect(docker.calls).toEqual([
            "createNetwork dev-openwebui-network",
            "createVolume dev-valkey-data",
            "createContainer dev-valkey",
            "disconnect bridge dev-valkey",
            "connect " + realization.networkId("dev-network") + " dev-valkey",
            "start dev-valkey",
        ]);
        const container = docker.containers.get(realization.containerId("dev-valkey"));
        expect(container?.create["Image"]).toBe(IMAGE_ID);
        expect(container?.create["Env"]).toEqual(["REDISCLI_AUTH=abc"]);
        expect(container?.query).toEqual({ name: "dev-valkey" });
        expect([...(container?.networks.keys() ?? [])]).toEqual(["dev-openwebui-network"]);
        expect(container?.networks.get("dev-openwebui-network")).toEqual({ Aliases: ["valkey"] });
        expect(realization.resources).toEqual({
            [NETWORK_URN]: realization.networkId("dev-openwebui-network"),
            [VOLUME_URN]: "dev-valkey-data",
            [CONTAINER_URN]: realization.containerId("dev-valkey"),
        });
        expect(realization.volumeName("dev-valkey-data")).toBe("dev-valkey-data");
        expect(realization.adoptedVolumes).toEqual([]);
    });

    it("labels everything it creates with the run label", async () => {
        const docker = engine();
        await go(docker);
        const label = { [RUN_LABEL_KEY]: RUN };
        for (const n of docker.networks.values()) {
            if (n.name === "bridge") continue;
            expect(n.options["Labels"]).toEqual(label);
            expect(n.options["CheckDuplicate"]).toBe(true);
        }
        for (const v of docker.volumes.values()) expect(v.options["Labels"]).toEqual(label);
        for (const c of docker.containers.values()) expect(c.create["Labels"]).toEqual(label);
    });

    it("destroy removes containers (forced, with anonymous volumes), networks and volumes, retained ones too", async () => {
        const docker = engine();
        const realization = await go(docker);
        docker.calls.length = 0;
        await realization.destroy();
        expect(docker.calls).toEqual(["removeContainer dev-valkey force=true v=true", `removeNetwork dev-openwebui-network`, "removeVolume dev-valkey-data"]);
        expect(docker.containers.size).toBe(0);
        expect(docker.volumes.size).toBe(0);
        expect([...docker.networks.values()].map((n) => n.name)).toEqual(["bridge"]);
        expect(realization.resources).toEqual({});
        await realization.destroy(); // a second destroy has nothing left to do
    });

    it("destroy({ keepVolumes: true }) keeps the data volume; a later destroy removes it", async () => {
        const docker = engine();
        const realization = await go(docker);
        await realization.destroy({ keepVolumes: true });
        expect([...docker.volumes.keys()]).toEqual(["dev-valkey-data"]);
        await realization.destroy();
        expect(docker.volumes.size).toBe(0);
    });

    it("adopts an existing volume: this run's is removed on destroy, another's is kept", async () => {
        for (const [labels, kept] of [[{ [RUN_LABEL_KEY]: RUN }, false], [{ other: "x" }, true]] as const) {
            const docker = engine();
            docker.volumes.set("dev-valkey-data", { name: "dev-valkey-data", options: { Name: "dev-valkey-data", Labels: labels } });
            const realization = await go(docker);
            expect(realization.adoptedVolumes).toEqual(["dev-valkey-data"]);
            expect(realization.resources[VOLUME_URN]).toBe("dev-valkey-data");
            await realization.destroy();
            expect(docker.volumes.has("dev-valkey-data")).toBe(kept);
        }
    });

    it("passes an undeclared network name through, and creates an undeclared named volume on first use, labelled", async () => {
        const docker = engine();
        docker.networks.set("ext-id", { id: "ext-id", name: "external-net", options: {} });
        const plan = valkeyPlan(
            valkeyInputs({
                networksAdvanced: [{ name: "external-net" }],
                volumes: [{ volumeName: "scratch-data", containerPath: "/scratch" }],
            }),
        );
        const realization = await go(docker, plan);
        expect(docker.calls).toContain("connect external-net dev-valkey");
        expect(docker.volumes.get("scratch-data")?.options["Labels"]).toEqual({ [RUN_LABEL_KEY]: RUN });
        await realization.destroy();
        expect(docker.volumes.has("scratch-data")).toBe(false);
        expect(docker.networks.has("ext-id")).toBe(true);
    });

    it("does not leave the bridge when networksAdvanced is absent, and tolerates not being on it", async () => {
        const docker = engine();
        await go(docker, valkeyPlan(valkeyInputs({ networksAdvanced: undefined })));
        expect(docker.calls.some((c) => c.startsWith("disconnect"))).toBe(false);

        const other = engine();
        await go(other, valkeyPlan(valkeyInputs({ networkMode: "none" })));
        expect(other.calls).toContain("disconnect bridge dev-valkey");
    });

    it("uploads files as a tar before start", async () => {
        const docker = engine();
        await go(docker, valkeyPlan(valkeyInputs({ uploads: [{ file: "/etc/valkey.conf", content: "maxclients 10000\n" }] })));
        const putIndex = docker.calls.indexOf("putArchive dev-valkey /");
        expect(putIndex).toBeGreaterThan(-1);
        expect(putIndex).toBeLessThan(docker.calls.indexOf("start dev-valkey"));
        const archive = [...docker.containers.values()][0]?.archives[0] as Buffer;
        expect(archive.subarray(0, 15).toString()).toBe("etc/valkey.conf");
        expect(archive.subarray(512, 529).toString()).toBe("maxclients 10000\n");
    });

    it("start: false with mustRun: false creates only", async () => {
        const docker = engine();
        await go(docker, valkeyPlan(valkeyInputs({ start: false, mustRun: false, wait: false })));
        expect(docker.calls).not.toContain("start dev-valkey");
    });

    it("attach waits for the container to exit", async () => {
        const docker = engine();
        await go(docker, valkeyPlan(valkeyInputs({ attach: true, wait: false, mustRun: false })));
        expect(docker.calls.slice(-1)).toEqual(["wait dev-valkey"]);
    });
});

describe("realize: failures are loud and leave nothing behind", () => {
    const failsWith = async (docker: FakeDocker, plan: Plan | unknown, message: RegExp, extra: Record<string, unknown> = {}) => {
        const error = await go(docker, plan, extra).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toMatch(message);
        return error;
    };
    const leftovers = (docker: FakeDocker) => ({
        containers: docker.containers.size,
        networks: [...docker.networks.values()].filter((n) => n.name !== "bridge").length,
        volumes: docker.volumes.size,
    });

    it("an unhealthy container fails at once, with the last check and log lines", async () => {
        const docker = engine({ health: { "dev-valkey": ["starting", "unhealthy"] } });
        const error = await failsWith(docker, valkeyPlan(), /dev-valkey \(docker:index\/container:Container\): container turned unhealthy \(last check: check said unhealthy\)[\s\S]*oops/);
        expect(error).toBeInstanceOf(RealizeError);
        expect(leftovers(docker)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    });

    it("a container that exits while waiting fails at once", async () => {
        const docker = engine({ health: { "dev-valkey": ["starting", "exited"] } });
        await failsWith(docker, valkeyPlan(), /exited while waiting for health/);
        expect(leftovers(docker)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    });

    it("a container that stays starting fails after waitTimeout", async () => {
        const docker = engine({ health: { "dev-valkey": ["starting"] } });
        const started = Date.now();
        await failsWith(docker, valkeyPlan(valkeyInputs({ waitTimeout: 1 })), /not healthy within 1s \(health: starting\)/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });

    it("wait without any healthcheck fails", async () => {
        const docker = engine();
        await failsWith(docker, valkeyPlan(valkeyInputs({ healthcheck: undefined })), /wait is set but the container has no healthcheck/);
    });

    it("a container that is not running after start fails when mustRun", async () => {
        const docker = engine({ exitOnStart: ["dev-valkey"] });
        await failsWith(docker, valkeyPlan(valkeyInputs({ wait: false })), /container is not running \(status exited, exit code 1\)/);
        expect(leftovers(docker)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    });

    it("keepOnFailure leaves the partial result for inspection, reachable from the error", async () => {
        const docker = engine({ failStart: ["dev-valkey"] });
        const error = (await failsWith(docker, valkeyPlan(), /container start failed: OCI runtime create failed/, { keepOnFailure: true })) as RealizeError;
        expect(leftovers(docker)).toEqual({ containers: 1, networks: 1, volumes: 1 });
        await error.realization.destroy();
        expect(leftovers(docker)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    });

    it("a missing local image fails before anything of the container is created", async () => {
        const docker = new FakeDocker({ images: {} });
        await failsWith(docker, valkeyPlan(), /local image "openwebui-valkey-test\/valkey:8.0.1" \(mapped from "docker.io\/valkey\/valkey:8.0.1-alpine"\) is not on the engine/);
        expect(docker.calls.filter((c) => c.startsWith("createContainer"))).toEqual([]);
        expect(leftovers(docker)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    });

    it("a plan flaw creates nothing at all", async () => {
        const docker = engine();
        await expect(go(docker, valkeyPlan(valkeyInputs({ pidsLimit: 64 })))).rejects.toThrow(/field "pidsLimit" is not mapped/);
        await expect(realize(valkeyPlan(), { docker: docker.asDockerode(), imageMap: {}, runLabel: RUN })).rejects.toThrow(/no image mapping for/);
        const withProvider = valkeyPlan();
        withProvider.resources.push({ urn: "urn:x::p", type: "pulumi:providers:docker", name: "p", parent: null, inputs: {}, options: {} });
        await expect(go(docker, withProvider)).rejects.toThrow('p (pulumi:providers:docker): resource type "pulumi:providers:docker" is not known to the realizer');
        expect(docker.calls).toEqual([]);
    });

    it("fields the engine is too old for are refused", async () => {
        const docker = engine({ apiVersion: "1.41" });
        await failsWith(docker, valkeyPlan(valkeyInputs({ healthcheck: { tests: ["NONE"], startInterval: "1s" } })), /need engine API 1.44; this engine speaks 1.41/);
        expect(leftovers(docker)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    });

    it("needs a run label", async () => {
        await expect(realize(valkeyPlan(), { docker: engine().asDockerode(), imageMap, runLabel: " " })).rejects.toThrow(PlanError);
    });
});

describe("replaceContainer", () => {
    it("recreates the container from a changed resource; the named volume stays", async () => {
        const docker = engine();
        const realization = await go(docker);
        const before = realization.containerId("dev-valkey");
        docker.calls.length = 0;
        const changed = containerResource(valkeyInputs({ destroyGraceSeconds: 5, envs: ["REDISCLI_AUTH=changed"] }));
        const after = await replaceContainer(realization, changed);
        expect(after).not.toBe(before);
        expect(realization.containerId("dev-valkey")).toBe(after);
        expect(realization.resources[CONTAINER_URN]).toBe(after);
        expect(docker.calls[0]).toBe("removeContainer dev-valkey force=true v=true");
        expect(docker.calls).not.toContain("removeVolume dev-valkey-data");
        expect(docker.calls).not.toContain("createVolume dev-valkey-data");
        expect(docker.containers.get(after)?.create["Env"]).toEqual(["REDISCLI_AUTH=changed"]);
        docker.calls.length = 0;
        await realization.destroy({ keepVolumes: true });
        expect(docker.calls[0]).toBe("stop dev-valkey t=5");
        expect(docker.volumes.has("dev-valkey-data")).toBe(true);
        await realization.destroy();
        expect(docker.volumes.size).toBe(0);
    });

    it("checks the new resource before removing the old container", async () => {
        const docker = engine();
        const realization = await go(docker);
        await expect(replaceContainer(realization, containerResource(valkeyInputs({ bogus: 1 })))).rejects.toThrow(/"bogus"/);
        expect(docker.containers.size).toBe(1);
        await expect(replaceContainer(realization, { ...containerResource(valkeyInputs()), urn: "urn:other", name: "other" })).rejects.toThrow(/not a live container/);
        await realization.destroy();
    });
});

describe("removeByLabel", () => {
    it("removes what carries the run label and nothing else", async () => {
        const docker = engine();
        await go(docker);
        docker.volumes.set("foreign", { name: "foreign", options: { Labels: { [RUN_LABEL_KEY]: "other-run" } } });
        expect(await removeByLabel(docker.asDockerode(), RUN)).toEqual({ containers: 1, networks: 1, volumes: 1 });
        expect([...docker.volumes.keys()]).toEqual(["foreign"]);
        expect(docker.containers.size).toBe(0);
    });
});

describe("plan", () => {
    it("orders by dependsOn and parent, keeping plan order otherwise", () => {
        const order = dependencyOrder(parsePlan(valkeyPlan())).map((r) => r.name);
        expect(order.indexOf("dev-valkey")).toBeGreaterThan(order.indexOf("dev-network"));
        expect(order.indexOf("dev-valkey")).toBeGreaterThan(order.indexOf("dev-valkey-data"));
        expect(order.indexOf("dev-valkey")).toBeGreaterThan(order.indexOf("dev-valkey-image"));
        expect(order[0]).toBe("openwebui-valkey-dev");
    });

    it("refuses cycles, dangling references, duplicates and unknown options", () => {
        const plan = valkeyPlan();
        const network = plan.resources.find((r) => r.urn === NETWORK_URN) as PlanResource;
        network.options = { dependsOn: [CONTAINER_URN] };
        expect(() => dependencyOrder(parsePlan(plan))).toThrow(/dependency cycle among/);
        const dangling = valkeyPlan();
        (dangling.resources.find((r) => r.urn === IMAGE_URN) as PlanResource).options = { dependsOn: ["urn:missing"] };
        expect(() => parsePlan(dangling)).toThrow(/dependsOn urn:missing is not in the plan/);
        const orphan = valkeyPlan();
        (orphan.resources.find((r) => r.urn === IMAGE_URN) as PlanResource).parent = "urn:gone";
        expect(() => parsePlan(orphan)).toThrow(/parent urn:gone is not in the plan/);
        const twice = valkeyPlan();
        twice.resources.push({ ...(twice.resources[0] as PlanResource) });
        expect(() => parsePlan(twice)).toThrow(`URN ${STACK_URN} appears twice`);
        const odd = valkeyPlan();
        (odd.resources[0] as unknown as { options: Record<string, unknown> }).options = { provider: "urn:p" };
        expect(() => parsePlan(odd)).toThrow(/resource option "provider" is not understood/);
    });

    it("shows secrets in clear, drops nulls, refuses unknown values", () => {
        const plan = valkeyPlan(
            valkeyInputs({
                envs: [{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "REDISCLI_AUTH=s3cret" }],
                hostname: null,
            }),
        );
        const container = parsePlan(plan).resources.find((r) => r.urn === CONTAINER_URN) as PlanResource;
        expect(container.inputs["envs"]).toEqual(["REDISCLI_AUTH=s3cret"]);
        expect("hostname" in container.inputs).toBe(false);
        const preview = valkeyPlan(valkeyInputs({ image: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }));
        expect(() => parsePlan(preview)).toThrow(/field "image" is unknown until deployment/);
    });

    it("refuses malformed documents", () => {
        expect(() => parsePlan([])).toThrow(/must be a JSON object/);
        expect(() => parsePlan({ project: "p", stack: "s" })).toThrow(/"resources" must be a list/);
        expect(() => parsePlan({ project: "p", stack: "s", resources: [{ urn: "u", type: "t" }] })).toThrow(/resources\[0\].name/);
    });
});
