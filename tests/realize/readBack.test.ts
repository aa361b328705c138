// The read-back model (tools/realize/readBack.ts) and the diff a second `pulumi up` would show
// (tools/realize/proposedChanges.ts), on inspect documents written after what the test engine
// (Docker 20.10, API 1.41) reports for the Valkey container of fixtures.ts.
//
// On capabilities: the daemon stores CapAdd/CapDrop exactly as the create request gives them (an
// API request with ["SETGID", "setuid"] reads back as that); it is the docker CLI that adds the
// CAP_ prefix before sending. The base document below has the CAP_ form, as a container created
// with that form (or by the CLI) reports it.
import type { PlanResource } from "../../tools/realize/plan";
import { ContainerInspection, ReadBackError, describeChanges, proposedChanges, readBackContainer } from "../../tools/realize/readBack";
import { containerResource, valkeyInputs } from "./fixtures";

const MIB = 1024 * 1024;
const IMAGE_ID = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/**
 * `docker inspect` of the fixture's Valkey container as the daemon answers it: added capabilities
 * in the CAP_ form, MemorySwap twice the memory (no memorySwap declared), durations in ns, the
 * image's Env and Entrypoint merged in, NetworkMode "bridge" as the provider sends it.
 */
function valkeyInspect(patch: { Config?: object; HostConfig?: object; State?: object; NetworkSettings?: object; Image?: string } = {}): ContainerInspection {
    const base = {
        Name: "/dev-valkey",
        Image: IMAGE_ID,
        State: { Running: true },
        Config: {
            Hostname: "ec4d0206bdd9",
            Domainname: "",
            User: "999",
            Env: ["REDISCLI_AUTH=abc", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            Cmd: valkeyInputs()["command"],
            Healthcheck: { Test: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], Interval: 1e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 5 },
            Image: IMAGE_ID,
            WorkingDir: "/data",
            Entrypoint: ["docker-entrypoint.sh"],
            Labels: { "openwebui-valkey.test-run": "some-run" },
            Tty: false,
            OpenStdin: false,
        },
        HostConfig: {
            Binds: ["dev-valkey-data:/data:rw"],
            LogConfig: { Type: "json-file", Config: { "max-file": "1", "max-size": "1m" } },
            NetworkMode: "bridge",
            PortBindings: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "6380" }] },
            RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
            AutoRemove: false,
            CapAdd: ["CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"],
            CapDrop: ["ALL"],
            CgroupnsMode: "host",
            Dns: null,
            DnsOptions: null,
            DnsSearch: null,
            ExtraHosts: null,
            GroupAdd: null,
            IpcMode: "private",
            PidMode: "",
            Privileged: false,
            PublishAllPorts: false,
            ReadonlyRootfs: true,
            SecurityOpt: ["no-new-privileges:true"],
            UsernsMode: "",
            ShmSize: 64 * MIB,
            Runtime: "runc",
            Memory: 512 * MIB,
            NanoCpus: 0,
            CpuShares: 0,
            CpusetCpus: "",
            Devices: [],
            DeviceRequests: null,
            MemoryReservation: 0,
            MemorySwap: 1024 * MIB,
            Ulimits: [{ Name: "nofile", Hard: 10032, Soft: 10032 }],
            Mounts: null,
            Init: false,
            Tmpfs: null,
            Sysctls: null,
            StorageOpt: null,
        },
        NetworkSettings: {
            // 6379 is also EXPOSEd by the image; the binding is what Read turns into a port block
            Ports: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "6380" }] },
        },
    };
    return {
        ...base,
        Image: patch.Image ?? base.Image,
        State: { ...base.State, ...patch.State },
        Config: { ...base.Config, ...patch.Config },
        HostConfig: { ...base.HostConfig, ...patch.HostConfig },
        NetworkSettings: { ...base.NetworkSettings, ...patch.NetworkSettings },
    };
}

/** The fixture's Valkey, written the way the daemon reads it back (nothing to propose). */
function cleanInputs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return valkeyInputs({ capabilities: { drops: ["ALL"], adds: ["CAP_SETGID", "CAP_SETUID", "CAP_DAC_OVERRIDE"] }, memorySwap: 1024, ...overrides });
}

function resource(inputs: Record<string, unknown>, replaceOnChanges?: string[]): PlanResource {
    const r = containerResource(inputs);
    if (replaceOnChanges !== undefined) r.options = { ...r.options, replaceOnChanges };
    return r;
}

function changesOf(inputs: Record<string, unknown>, inspection: ContainerInspection = valkeyInspect(), replaceOnChanges?: string[]) {
    const r = resource(inputs, replaceOnChanges);
    return proposedChanges(r, readBackContainer(r, inspection));
}

/** The changes as [property, effect] pairs, for compact assertions. */
const summary = (changes: ReturnType<typeof changesOf>) => changes.map((c) => [c.property, c.effect]);

describe("readBackContainer: what the provider's Read stores", () => {
    const state = readBackContainer(resource(valkeyInputs()), valkeyInspect());

    it("reads identity, process and security settings from the inspection", () => {
        expect(state["name"]).toBe("dev-valkey");
        expect(state["image"]).toBe(IMAGE_ID);
        expect(state["command"]).toEqual(valkeyInputs()["command"]);
        expect(state["entrypoints"]).toEqual(["docker-entrypoint.sh"]);
        expect(state["user"]).toBe("999");
        expect(state["workingDir"]).toBe("/data");
        expect(state["readOnly"]).toBe(true);
        expect(state["securityOpts"]).toEqual(["no-new-privileges:true"]);
        expect(state["restart"]).toBe("unless-stopped");
        expect(state["networkMode"]).toBe("bridge");
        expect(state["init"]).toBe(false);
        expect(state["shmSize"]).toBe(64);
    });

    it("keeps the CAP_ prefix the daemon puts on added capabilities", () => {
        expect(state["capabilities"]).toEqual({ adds: ["CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"], drops: ["ALL"] });
    });

    it("reads memory in MB and a MemorySwap of twice the memory as 1024", () => {
        expect(state["memory"]).toBe(512);
        expect(state["memorySwap"]).toBe(1024);
        expect(state["memoryReservation"]).toBe(0);
        // -1 (unlimited swap) stays -1
        expect(readBackContainer(resource(valkeyInputs()), valkeyInspect({ HostConfig: { MemorySwap: -1 } }))["memorySwap"]).toBe(-1);
    });

    it("reads health durations from nanoseconds as Go duration strings", () => {
        expect(state["healthcheck"]).toEqual({
            tests: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"],
            interval: "1s",
            timeout: "3s",
            startPeriod: "5s",
            startInterval: "0s",
            retries: 5,
        });
        const minute = readBackContainer(resource(valkeyInputs()), valkeyInspect({ Config: { Healthcheck: { Test: ["NONE"], Interval: 60e9, Timeout: 90e9, StartPeriod: 1.5e9, Retries: 0 } } }));
        expect(minute["healthcheck"]).toMatchObject({ interval: "1m0s", timeout: "1m30s", startPeriod: "1.5s" });
    });

    it("reads the daemon's whole log-opts map, the ulimits and the published ports", () => {
        expect(state["logDriver"]).toBe("json-file");
        expect(state["logOpts"]).toEqual({ "max-file": "1", "max-size": "1m" });
        expect(state["ulimits"]).toEqual([{ name: "nofile", soft: 10032, hard: 10032 }]);
        expect(state["ports"]).toEqual([{ internal: 6379, external: 6380, ip: "127.0.0.1", protocol: "tcp" }]);
        // an exposed port without a binding gives no block; bindings sort by port number
        const ports = readBackContainer(resource(valkeyInputs()), valkeyInspect({
            NetworkSettings: { Ports: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "3000" }], "6379/tcp": null, "53/udp": [{ HostIp: "0.0.0.0", HostPort: "5353" }] } },
        }))["ports"];
        expect(ports).toEqual([
            { internal: 53, external: 5353, ip: "0.0.0.0", protocol: "udp" },
            { internal: 8080, external: 3000, ip: "127.0.0.1", protocol: "tcp" },
        ]);
    });

    it("leaves what Read never touches at the declared value, whatever the daemon says", () => {
        const declared = valkeyInputs({
            destroyGraceSeconds: 30,
            uploads: [{ file: "/run/secret", content: "s3cret", permissions: "0400" }],
            labels: [{ label: "a", value: "1" }],
        });
        const kept = readBackContainer(resource(declared), valkeyInspect());
        for (const field of ["envs", "volumes", "networksAdvanced", "uploads", "labels", "wait", "waitTimeout", "destroyGraceSeconds"]) {
            expect([field, kept[field]]).toEqual([field, declared[field]]);
        }
        // the inspection has the image's PATH in Env and the run label in Labels: not read
        expect(kept["envs"]).toEqual(["REDISCLI_AUTH=abc"]);
        // undeclared and not read: absent
        expect("removeVolumes" in kept).toBe(false);
    });

    it("keeps the declared capabilities when the daemon reports none, and the declared ports of a stopped container without mustRun", () => {
        const none = readBackContainer(resource(valkeyInputs({ capabilities: { adds: [], drops: [] } })), valkeyInspect({ HostConfig: { CapAdd: null, CapDrop: null } }));
        expect(none["capabilities"]).toEqual({ adds: [], drops: [] });
        const stopped = valkeyInspect({ State: { Running: false }, NetworkSettings: { Ports: {} } });
        expect(readBackContainer(resource(valkeyInputs({ mustRun: false })), stopped)["ports"]).toEqual(valkeyInputs()["ports"]);
        // with mustRun (the default) Read stores the empty ports of the stopped container, and mustRun false
        const read = readBackContainer(resource(valkeyInputs({ mustRun: undefined })), stopped);
        expect(read["ports"]).toEqual([]);
        expect(read["mustRun"]).toBe(false);
    });

    it("takes the image from .Image for an image id and from .Config.Image for a name", () => {
        const inspection = valkeyInspect({ Image: "sha256:1111", Config: { Image: "valkey/valkey:8.0.1" } });
        expect(readBackContainer(resource(valkeyInputs({ image: "sha256:2222" })), inspection)["image"]).toBe("sha256:1111");
        expect(readBackContainer(resource(valkeyInputs({ image: "valkey/valkey:8" })), inspection)["image"]).toBe("valkey/valkey:8.0.1");
    });

    it("refuses declared inputs it does not model, naming them", () => {
        const refused = (inputs: Record<string, unknown>) => () => readBackContainer(resource(valkeyInputs(inputs)), valkeyInspect());
        expect(refused({ mounts: [{ target: "/x", type: "tmpfs" }] })).toThrow(ReadBackError);
        expect(refused({ mounts: [{ target: "/x", type: "tmpfs" }] })).toThrow(/input "mounts" is not modelled/);
        expect(refused({ gpus: "all" })).toThrow(/input "gpus"/);
        expect(refused({ cpus: "1.5" })).toThrow(/input "cpus"/);
        expect(refused({ deviceReadBps: [{ path: "/dev/sda", rate: 1 }] })).toThrow(/input "deviceReadBps"/);
        expect(refused({ healthcheck: { tests: ["NONE"], frequency: "1s" } })).toThrow(/input "healthcheck.frequency"/);
        expect(refused({ ports: [{ internal: 1, hostIp: "x" }] })).toThrow(/input "ports\[0\].hostIp"/);
        expect(refused({ bogus: 1 })).toThrow(/input "bogus"/);
    });

    it("refuses a daemon value of a field Read stores but the model does not reproduce", () => {
        const mounted = valkeyInspect({ HostConfig: { Mounts: [{ Type: "tmpfs", Target: "/x" }] } });
        expect(() => readBackContainer(resource(valkeyInputs()), mounted)).toThrow(/reports a value for "mounts"/);
        expect(() => readBackContainer(resource(valkeyInputs()), valkeyInspect({ HostConfig: { NanoCpus: 5e8 } }))).toThrow(/"cpus"/);
    });

    it("refuses an inspection field of the wrong type", () => {
        expect(() => readBackContainer(resource(valkeyInputs()), valkeyInspect({ HostConfig: { Memory: "512m" } }))).toThrow(/HostConfig.Memory is not an integer/);
    });
});

describe("proposedChanges: what a second `pulumi up` proposes", () => {
    it("nothing, when the program declares what the daemon reads back", () => {
        expect(changesOf(cleanInputs())).toEqual([]);
        // sets ignore order: capabilities, security options, ulimits
        expect(changesOf(cleanInputs({
            capabilities: { drops: ["ALL"], adds: ["CAP_SETUID", "CAP_DAC_OVERRIDE", "CAP_SETGID"] },
            ulimits: [{ name: "nproc", soft: 256, hard: 256 }, { name: "nofile", soft: 10032, hard: 10032 }],
        }), valkeyInspect({ HostConfig: { Ulimits: [{ Name: "nofile", Hard: 10032, Soft: 10032 }, { Name: "nproc", Hard: 256, Soft: 256 }] } }))).toEqual([]);
    });

    it("capabilities compare as the literal strings stored: the daemon keeps the form it was sent", () => {
        // what this engine reports for a container created through the API with the unprefixed form
        const asSent = valkeyInspect({ HostConfig: { CapAdd: ["SETGID", "SETUID", "DAC_OVERRIDE"] } });
        expect(changesOf(cleanInputs({ capabilities: { drops: ["ALL"], adds: ["DAC_OVERRIDE", "SETGID", "SETUID"] } }), asSent)).toEqual([]);
        // a program that switches forms replaces the container once
        expect(summary(changesOf(cleanInputs(), asSent))).toEqual([["capabilities.adds", "replace"]]);
    });

    it("CapAdd reported with the CAP_ prefix while the program declares it without: a replacement", () => {
        const changes = changesOf(valkeyInputs({ memorySwap: 1024 }));
        expect(changes).toEqual([
            {
                resource: "dev-valkey",
                property: "capabilities.adds",
                before: ["CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"],
                after: ["SETGID", "SETUID", "DAC_OVERRIDE"],
                declared: true,
                effect: "replace",
                replaces: true,
                why: "ForceNew in the provider schema",
            },
        ]);
    });

    it("memorySwap left unset while the daemon reports twice the memory: an in-place update", () => {
        const changes = changesOf(cleanInputs({ memorySwap: undefined }));
        expect(changes).toEqual([
            expect.objectContaining({ property: "memorySwap", before: 1024, after: undefined, declared: false, effect: "update", replaces: false }),
        ]);
        // memorySwap equal to memory reads back as declared
        expect(changesOf(cleanInputs({ memorySwap: 512 }), valkeyInspect({ HostConfig: { MemorySwap: 512 * MIB } }))).toEqual([]);
        // no memory limit: the daemon reports 0 and an unset memorySwap agrees
        expect(changesOf(cleanInputs({ memory: undefined, memorySwap: undefined }), valkeyInspect({ HostConfig: { Memory: 0, MemorySwap: 0 } }))).toEqual([]);
    });

    it("a duration not in Go's canonical form: a change of the healthcheck, a replacement under replaceOnChanges", () => {
        const hc = { tests: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"], interval: "1m", timeout: "3000ms", startPeriod: "5s", retries: 5 };
        const inspection = valkeyInspect({ Config: { Healthcheck: { Test: hc.tests, Interval: 60e9, Timeout: 3e9, StartPeriod: 5e9, Retries: 5 } } });
        expect(summary(changesOf(cleanInputs({ healthcheck: hc }), inspection))).toEqual([
            ["healthcheck.interval", "state-only"],
            ["healthcheck.timeout", "state-only"],
        ]);
        const replaced = changesOf(cleanInputs({ healthcheck: hc }), inspection, ["healthcheck"]);
        expect(replaced.map((c) => [c.property, c.before, c.after, c.effect, c.why])).toEqual([
            ["healthcheck.interval", "1m0s", "1m", "replace", 'replaceOnChanges: "healthcheck"'],
            ["healthcheck.timeout", "3s", "3000ms", "replace", 'replaceOnChanges: "healthcheck"'],
        ]);
        // canonical forms agree
        expect(changesOf(cleanInputs({ healthcheck: { ...hc, interval: "1m0s", timeout: "3s" } }), inspection, ["healthcheck"])).toEqual([]);
    });

    it("an undeclared healthcheck field is compared as its default: the image's merged value is a change", () => {
        // the daemon fills a zero field of a declared healthcheck from the image's HEALTHCHECK
        const declared = { tests: ["CMD", "true"], interval: "5s", timeout: "3s", retries: 3 };
        const inspection = valkeyInspect({ Config: { Healthcheck: { Test: ["CMD", "true"], Interval: 5e9, Timeout: 3e9, StartPeriod: 10e9, Retries: 3 } } });
        expect(changesOf(cleanInputs({ healthcheck: declared }), inspection, ["healthcheck"]).map((c) => [c.property, c.before, c.after])).toEqual([
            ["healthcheck.startPeriod", "10s", undefined],
        ]);
        // undeclared altogether: healthcheck is Optional+Computed, the image's shows no diff
        expect(changesOf(cleanInputs({ healthcheck: undefined, wait: false }), inspection)).toEqual([]);
    });

    it("log options the daemon adds to the declared ones: a replacement", () => {
        const inspection = valkeyInspect({ HostConfig: { LogConfig: { Type: "json-file", Config: { "max-file": "1", "max-size": "1m", mode: "non-blocking" } } } });
        expect(changesOf(cleanInputs(), inspection).map((c) => [c.property, c.before, c.after, c.effect])).toEqual([
            ["logOpts", { "max-file": "1", "max-size": "1m", mode: "non-blocking" }, { "max-file": "1", "max-size": "1m" }, "replace"],
        ]);
    });

    it("networkMode unset while the daemon recorded \"default\": a replacement (the schema's Default is bridge)", () => {
        expect(summary(changesOf(cleanInputs(), valkeyInspect({ HostConfig: { NetworkMode: "default" } })))).toEqual([["networkMode", "replace"]]);
    });

    it("Optional+Computed and suppressed fields left unset show no diff; other unset fields compare as zero", () => {
        const inspection = valkeyInspect({
            Config: { User: "valkey", WorkingDir: "/srv", StopSignal: "SIGQUIT", StopTimeout: 30, Hostname: "h" },
            HostConfig: { SecurityOpt: ["seccomp=unconfined"], IpcMode: "shareable", ShmSize: 128 * MIB },
        });
        expect(changesOf(cleanInputs({ user: undefined, securityOpts: undefined }), inspection)).toEqual([]);
        const dns = changesOf(cleanInputs(), valkeyInspect({ HostConfig: { Dns: ["10.0.0.53"] } }));
        expect(dns.map((c) => [c.property, c.before, c.after, c.declared, c.effect])).toEqual([["dns", ["10.0.0.53"], undefined, false, "replace"]]);
    });

    it("a command compares in order, security options as a set", () => {
        const command = valkeyInputs()["command"] as string[];
        expect(summary(changesOf(cleanInputs({ command: [...command].reverse() })))).toEqual([["command", "replace"]]);
        expect(changesOf(cleanInputs({ securityOpts: ["no-new-privileges:true", "no-new-privileges:true"] }))).toEqual([]);
        expect(summary(changesOf(cleanInputs({ securityOpts: ["no-new-privileges"] })))).toEqual([["securityOpts", "replace"]]);
    });

    it("ports match by internal port whatever the order, with the ip and protocol defaults", () => {
        const two = valkeyInspect({
            NetworkSettings: { Ports: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "6380" }], "16379/tcp": [{ HostIp: "0.0.0.0", HostPort: "16380" }] } },
        });
        const declared = [{ internal: 16379, external: 16380 }, { internal: 6379, external: 6380, ip: "127.0.0.1", protocol: "tcp" }];
        expect(changesOf(cleanInputs({ ports: declared }), two)).toEqual([]);
        // a different host port
        expect(summary(changesOf(cleanInputs({ ports: [{ internal: 6379, external: 6381, ip: "127.0.0.1" }] })))).toEqual([["ports", "replace"]]);
        // a daemon that also binds "::" for 0.0.0.0 reports two blocks for one declared
        const dual = valkeyInspect({ NetworkSettings: { Ports: { "6379/tcp": [{ HostIp: "0.0.0.0", HostPort: "6380" }, { HostIp: "::", HostPort: "6380" }] } } });
        expect(summary(changesOf(cleanInputs({ ports: [{ internal: 6379, external: 6380 }] }), dual))).toEqual([["ports", "replace"]]);
        // no ports declared and none published
        expect(changesOf(cleanInputs({ ports: undefined }), valkeyInspect({ NetworkSettings: { Ports: { "6379/tcp": null } } }))).toEqual([]);
    });

    it("a stopped container with mustRun: the update that starts it (and its vanished ports)", () => {
        const stopped = valkeyInspect({ State: { Running: false }, NetworkSettings: { Ports: {} } });
        expect(summary(changesOf(cleanInputs(), stopped))).toEqual([["ports", "replace"], ["mustRun", "update"]]);
    });

    it("a different image id: a replacement", () => {
        expect(summary(changesOf(cleanInputs({ image: "sha256:ffff" })))).toEqual([["image", "replace"]]);
    });

    it("capabilities the program does not declare but the daemon reports: a replacement", () => {
        expect(summary(changesOf(cleanInputs({ capabilities: undefined })))).toEqual([["capabilities", "replace"]]);
    });

    it("describeChanges prints each change with before, after and its effect", () => {
        const text = describeChanges(changesOf(valkeyInputs()));
        expect(text.split("\n")).toEqual([
            'dev-valkey: capabilities.adds: ["CAP_DAC_OVERRIDE","CAP_SETGID","CAP_SETUID"] -> ["SETGID","SETUID","DAC_OVERRIDE"] [replace: ForceNew in the provider schema]',
            "dev-valkey: memorySwap: 1024 -> null (not declared) [update: the provider's Update applies it to the running container]",
        ]);
    });
});
