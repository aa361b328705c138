import { readFileSync } from "node:fs";
import { join } from "node:path";

import {
    CONTAINER_FIELDS,
    NETWORK_FIELDS,
    PROVIDER_ONLY_CONTAINER_FIELDS,
    PlanError,
    REMOTE_IMAGE_FIELDS,
    RUN_LABEL_KEY,
    VOLUME_FIELDS,
    apiVersionAtLeast,
    containerCreateOptions,
    formatGoDuration,
    networkCreateOptions,
    parseCpus,
    parseGoDuration,
    parseGoDurationBig,
    parseGpus,
    remoteImageName,
    resolveContainerImage,
    splitCreateRequest,
    volumeCreateOptions,
} from "../../tools/realize/dockerMapping";
import type { PlanResource } from "../../tools/realize/plan";
import {
    CONTAINER_URN,
    IMAGE_URN,
    LOCAL_IMAGE,
    NETWORK_URN,
    UPSTREAM_IMAGE,
    VOLUME_URN,
    containerResource,
    valkeyInputs,
    valkeyPlan,
} from "./fixtures";

const RUN = { [RUN_LABEL_KEY]: "run-1" };
const IMAGE_ID = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const MIB = 1024 * 1024;

const spec = (inputs: Record<string, unknown>) => containerCreateOptions(containerResource(inputs), { image: IMAGE_ID, labels: RUN });
const minimal = (extra: Record<string, unknown>) => spec({ image: "sha256:placeholder", ...extra });

function argsFields(file: string, interfaceName: string): string[] {
    const text = readFileSync(join(__dirname, "../../node_modules/@pulumi/docker", file), "utf8");
    const start = text.indexOf(`export interface ${interfaceName} {`);
    const end = text.indexOf("\n}", start);
    const block = text.slice(start, end);
    return [...block.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1] as string).sort();
}

describe("field tables", () => {
    it("cover exactly the ContainerArgs of the installed @pulumi/docker", () => {
        expect(Object.keys(CONTAINER_FIELDS).sort()).toEqual(argsFields("container.d.ts", "ContainerArgs"));
    });

    it("cover exactly NetworkArgs, VolumeArgs and RemoteImageArgs", () => {
        expect(Object.keys(NETWORK_FIELDS).sort()).toEqual(argsFields("network.d.ts", "NetworkArgs"));
        expect(Object.keys(VOLUME_FIELDS).sort()).toEqual(argsFields("volume.d.ts", "VolumeArgs"));
        expect(Object.keys(REMOTE_IMAGE_FIELDS).sort()).toEqual(argsFields("remoteImage.d.ts", "RemoteImageArgs"));
    });

    it("list the provider-only container fields in one constant, and only those", () => {
        const providerKind = Object.entries(CONTAINER_FIELDS)
            .filter(([, rule]) => rule.kind === "provider")
            .map(([field]) => field)
            .sort();
        expect(providerKind).toEqual([...PROVIDER_ONLY_CONTAINER_FIELDS].sort());
        expect(PROVIDER_ONLY_CONTAINER_FIELDS).toEqual(
            expect.arrayContaining(["wait", "waitTimeout", "mustRun", "start", "attach", "logs", "destroyGraceSeconds", "removeVolumes"]),
        );
    });
});

describe("containerCreateOptions: the Valkey container", () => {
    it("maps every declared field like the provider", () => {
        const result = spec(valkeyInputs());
        expect(result.options).toEqual({
            name: "dev-valkey",
            Image: IMAGE_ID,
            Cmd: valkeyInputs()["command"],
            Env: ["REDISCLI_AUTH=abc"],
            User: "999",
            Labels: RUN,
            Healthcheck: {
                Test: ["CMD-SHELL", "[ \"$(valkey-cli ping)\" = 'PONG' ]"],
                Interval: 1_000_000_000,
                Timeout: 3_000_000_000,
                StartPeriod: 5_000_000_000,
                Retries: 5,
            },
            ExposedPorts: { "6379/tcp": {} },
            Volumes: { "/data": {} },
            HostConfig: {
                PortBindings: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: "6380" }] },
                Binds: ["dev-valkey-data:/data:rw"],
                ReadonlyRootfs: true,
                RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
                LogConfig: { Type: "json-file", Config: { "max-file": "1", "max-size": "1m" } },
                Ulimits: [{ Name: "nofile", Soft: 10032, Hard: 10032 }],
                CapAdd: ["SETGID", "SETUID", "DAC_OVERRIDE"],
                CapDrop: ["ALL"],
                SecurityOpt: ["no-new-privileges:true"],
                Memory: 512 * MIB,
                Init: false,
                NetworkMode: "bridge",
            },
        });
        expect(result.disconnectDefaultBridge).toBe(true);
        expect(result.networkConnections).toEqual([{ network: "dev-openwebui-network", endpoint: { Aliases: ["valkey"] } }]);
        expect(result.volumeReferences).toEqual([{ name: "dev-valkey-data" }]);
        expect(result.uploads).toEqual([]);
        expect(result.lifecycle).toEqual({
            start: true, wait: true, waitTimeoutSeconds: 60, mustRun: true, attach: false, logs: false, removeVolumes: true,
        });
        expect(result.requiredApiVersion).toBe("1.25");
    });

    it("defaults the container name to the resource name, and the provider-only settings", () => {
        const result = minimal({});
        expect(result.options.name).toBe("dev-valkey");
        // restart "no" and networkMode "bridge" are schema defaults the provider sends; Init is sent as false
        expect(result.options.HostConfig).toEqual({ RestartPolicy: { Name: "no", MaximumRetryCount: 0 }, Init: false, NetworkMode: "bridge" });
        expect(result.disconnectDefaultBridge).toBe(false);
        expect(result.lifecycle).toEqual({
            start: true, wait: false, waitTimeoutSeconds: 60, mustRun: true, attach: false, logs: false, removeVolumes: true,
        });
    });

    it("run labels win over declared labels of the same key", () => {
        const result = minimal({ labels: [{ label: "a", value: "1" }, { label: RUN_LABEL_KEY, value: "spoof" }] });
        expect(result.options.Labels).toEqual({ a: "1", [RUN_LABEL_KEY]: "run-1" });
    });
});

describe("containerCreateOptions: each field", () => {
    const host = (extra: Record<string, unknown>) => minimal(extra).options.HostConfig;
    const config = (extra: Record<string, unknown>) => minimal(extra).options;

    it.each([
        ["hostname", "h1", "Hostname", "h1"],
        ["domainname", "example.org", "Domainname", "example.org"],
        ["user", "999:1000", "User", "999:1000"],
        ["workingDir", "/data", "WorkingDir", "/data"],
        ["tty", true, "Tty", true],
        ["stdinOpen", true, "OpenStdin", true],
        ["stopSignal", "SIGINT", "StopSignal", "SIGINT"],
        ["stopTimeout", 30, "StopTimeout", 30],
        ["envs", ["A=1", "B=2"], "Env", ["A=1", "B=2"]],
        ["command", ["valkey-server", "--port", "6380"], "Cmd", ["valkey-server", "--port", "6380"]],
        ["entrypoints", ["/bin/sh", "-c"], "Entrypoint", ["/bin/sh", "-c"]],
        ["platform", "linux/amd64", "platform", "linux/amd64"],
    ])("%s → Config.%s", (field, value, target, expected) => {
        expect((config({ [field]: value }) as unknown as Record<string, unknown>)[target]).toEqual(expected);
    });

    it.each([
        ["privileged", true, "Privileged", true],
        ["publishAllPorts", true, "PublishAllPorts", true],
        ["rm", true, "AutoRemove", true],
        ["readOnly", true, "ReadonlyRootfs", true],
        ["runtime", "runc", "Runtime", "runc"],
        ["init", true, "Init", true],
        ["dns", ["1.1.1.1"], "Dns", ["1.1.1.1"]],
        ["dnsOpts", ["ndots:1"], "DnsOptions", ["ndots:1"]],
        ["dnsSearches", ["example.org"], "DnsSearch", ["example.org"]],
        ["securityOpts", ["no-new-privileges:true"], "SecurityOpt", ["no-new-privileges:true"]],
        ["groupAdds", ["1000", "audio"], "GroupAdd", ["1000", "audio"]],
        ["memory", 256, "Memory", 256 * MIB],
        ["memoryReservation", 128, "MemoryReservation", 128 * MIB],
        ["memorySwap", 1024, "MemorySwap", 1024 * MIB],
        ["memorySwap", -1, "MemorySwap", -1],
        ["memorySwap", 0, "MemorySwap", 0],
        ["shmSize", 64, "ShmSize", 64 * MIB],
        ["cpuShares", 512, "CpuShares", 512],
        ["cpuSet", "0-1", "CpusetCpus", "0-1"],
        ["cpus", "1.5", "NanoCpus", 1_500_000_000],
        ["cpuPeriod", 100000, "CpuPeriod", 100000],
        ["cpuQuota", 50000, "CpuQuota", 50000],
        ["cgroupParent", "/test", "CgroupParent", "/test"],
        ["cgroupnsMode", "private", "CgroupnsMode", "private"],
        ["networkMode", "none", "NetworkMode", "none"],
        ["usernsMode", "host", "UsernsMode", "host"],
        ["pidMode", "host", "PidMode", "host"],
        ["ipcMode", "private", "IpcMode", "private"],
        ["sysctls", { "net.core.somaxconn": "1024" }, "Sysctls", { "net.core.somaxconn": "1024" }],
        ["storageOpts", { size: "1G" }, "StorageOpt", { size: "1G" }],
        ["tmpfs", { "/tmp": "rw,noexec,size=64m" }, "Tmpfs", { "/tmp": "rw,noexec,size=64m" }],
        ["deviceCgroupRules", ["c 1:3 mr"], "DeviceCgroupRules", ["c 1:3 mr"]],
        ["hosts", [{ host: "db", ip: "10.0.0.2" }], "ExtraHosts", ["db:10.0.0.2"]],
        ["ulimits", [{ name: "nproc", soft: 64, hard: 128 }], "Ulimits", [{ Name: "nproc", Soft: 64, Hard: 128 }]],
        ["deviceReadBps", [{ path: "/dev/sda", rate: 1000 }], "BlkioDeviceReadBps", [{ Path: "/dev/sda", Rate: 1000 }]],
        ["deviceReadIops", [{ path: "/dev/sda", rate: 10 }], "BlkioDeviceReadIOps", [{ Path: "/dev/sda", Rate: 10 }]],
        ["deviceWriteBps", [{ path: "/dev/sda", rate: 2000 }], "BlkioDeviceWriteBps", [{ Path: "/dev/sda", Rate: 2000 }]],
        ["deviceWriteIops", [{ path: "/dev/sda", rate: 20 }], "BlkioDeviceWriteIOps", [{ Path: "/dev/sda", Rate: 20 }]],
    ])("%s=%j → HostConfig.%s", (field, value, target, expected) => {
        expect((host({ [field]: value }) as Record<string, unknown>)[target]).toEqual(expected);
    });

    it("cpus takes precedence: cpuPeriod and cpuQuota are left out", () => {
        const h = host({ cpus: "0.5", cpuPeriod: 100000, cpuQuota: 50000 });
        expect(h.NanoCpus).toBe(500_000_000);
        expect(h.CpuPeriod).toBeUndefined();
        expect(h.CpuQuota).toBeUndefined();
    });

    it("restart with maxRetryCount", () => {
        expect(host({ restart: "on-failure", maxRetryCount: 3 }).RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 3 });
    });

    it("logDriver alone and logOpts alone", () => {
        expect(host({ logDriver: "local" }).LogConfig).toEqual({ Type: "local", Config: {} });
        expect(host({ logOpts: { "max-size": "1m" } }).LogConfig).toEqual({ Type: "", Config: { "max-size": "1m" } });
    });

    it("labels become a map", () => {
        expect(config({ labels: [{ label: "com.example.a", value: "x" }] }).Labels).toEqual({ "com.example.a": "x", ...RUN });
    });

    it("capabilities with only drops", () => {
        const h = host({ capabilities: { drops: ["ALL"] } });
        expect(h.CapDrop).toEqual(["ALL"]);
        expect(h.CapAdd).toEqual([]);
    });

    it("devices default their container path and permissions", () => {
        expect(host({ devices: [{ hostPath: "/dev/fuse" }, { hostPath: "/dev/a", containerPath: "/dev/b", permissions: "r" }] }).Devices).toEqual([
            { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" },
            { PathOnHost: "/dev/a", PathInContainer: "/dev/b", CgroupPermissions: "r" },
        ]);
    });

    it("healthcheck with startInterval and a partial healthcheck", () => {
        const full = minimal({ healthcheck: { tests: ["NONE"], startInterval: "500ms", interval: "1m30s" } });
        expect(full.options.Healthcheck).toEqual({ Test: ["NONE"], StartInterval: 500_000_000, Interval: 90_000_000_000 });
        expect(full.requiredApiVersion).toBe("1.44");
        expect(minimal({ healthcheck: { retries: 0 } }).options.Healthcheck).toEqual({ Retries: 0 });
    });

    it("ports: defaults ip 0.0.0.0 and tcp, random external port, several bindings of one port", () => {
        const result = minimal({
            ports: [
                { internal: 8080 },
                { internal: 53, external: 5353, protocol: "udp" },
                { internal: 6379, external: 6380, ip: "127.0.0.1" },
                { internal: 6379, external: 6381, ip: "::1" },
            ],
        });
        expect(result.options.ExposedPorts).toEqual({ "8080/tcp": {}, "53/udp": {}, "6379/tcp": {} });
        expect(result.options.HostConfig.PortBindings).toEqual({
            "8080/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }],
            "53/udp": [{ HostIp: "0.0.0.0", HostPort: "5353" }],
            "6379/tcp": [
                { HostIp: "127.0.0.1", HostPort: "6380" },
                { HostIp: "::1", HostPort: "6381" },
            ],
        });
    });

    it("volumes: named, read-only with relabel, host path (wins over volumeName), anonymous, from a container", () => {
        const result = minimal({
            volumes: [
                { volumeName: "data", containerPath: "/data" },
                { volumeName: "conf", containerPath: "/conf", readOnly: true, selinuxRelabel: "z" },
                { hostPath: "/srv/x", volumeName: "ignored", containerPath: "/x" },
                { containerPath: "/scratch" },
                { fromContainer: "other" },
            ],
        });
        expect(result.options.HostConfig.Binds).toEqual(["data:/data:rw", "conf:/conf:ro,z", "/srv/x:/x:rw"]);
        expect(result.options.Volumes).toEqual({ "/data": {}, "/conf": {}, "/x": {}, "/scratch": {} });
        expect(result.options.HostConfig.VolumesFrom).toEqual(["other"]);
        expect(result.volumeReferences).toEqual([{ name: "data" }, { name: "conf" }]);
    });

    it("mounts of each type", () => {
        const result = minimal({
            mounts: [
                { type: "bind", source: "/srv", target: "/srv", readOnly: true, bindOptions: { propagation: "rprivate" } },
                {
                    type: "volume", source: "cache", target: "/cache",
                    volumeOptions: { noCopy: true, labels: [{ label: "k", value: "v" }], driverName: "local", driverOptions: { type: "tmpfs" }, subpath: "sub" },
                },
                { type: "volume", source: "plain", target: "/plain" },
                { type: "tmpfs", target: "/run", tmpfsOptions: { sizeBytes: 1048576, mode: 0o1777 } },
            ],
        });
        expect(result.options.HostConfig.Mounts).toEqual([
            { Type: "bind", Source: "/srv", Target: "/srv", ReadOnly: true, BindOptions: { Propagation: "rprivate" } },
            {
                Type: "volume", Source: "cache", Target: "/cache",
                VolumeOptions: { NoCopy: true, Labels: { k: "v" }, DriverConfig: { Name: "local", Options: { type: "tmpfs" } }, Subpath: "sub" },
            },
            { Type: "volume", Source: "plain", Target: "/plain" },
            { Type: "tmpfs", Source: "", Target: "/run", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
        ]);
        expect(result.volumeReferences).toEqual([
            { name: "cache", driver: "local", driverOpts: { type: "tmpfs" }, labels: { k: "v" } },
            { name: "plain" },
        ]);
        expect(result.requiredApiVersion).toBe("1.45");
    });

    it("networksAdvanced: every endpoint setting, in order, after leaving the bridge", () => {
        const result = minimal({
            networksAdvanced: [
                {
                    name: "n1", aliases: ["a", "b"], ipv4Address: "172.30.0.5", ipv6Address: "fd00::5",
                    linkLocalIps: ["169.254.0.5"], macAddress: "02:42:ac:11:00:05", driverOpts: ["com.example=1", "x=a=b"], gwPriority: 10,
                },
                { name: "n2" },
            ],
        });
        expect(result.disconnectDefaultBridge).toBe(true);
        expect(result.networkConnections).toEqual([
            {
                network: "n1",
                endpoint: {
                    Aliases: ["a", "b"],
                    IPAMConfig: { IPv4Address: "172.30.0.5", IPv6Address: "fd00::5", LinkLocalIPs: ["169.254.0.5"] },
                    MacAddress: "02:42:ac:11:00:05",
                    DriverOpts: { "com.example": "1", x: "a=b" },
                    GwPriority: 10,
                },
            },
            { network: "n2", endpoint: {} },
        ]);
        expect(result.requiredApiVersion).toBe("1.48");
        expect(minimal({ networksAdvanced: [] }).disconnectDefaultBridge).toBe(false);
    });

    it("gpus and deviceRequests become DeviceRequests", () => {
        const result = minimal({
            gpus: "all",
            deviceRequests: [{ driver: "cdi", deviceIds: ["nvidia.com/gpu=all"] }, { driver: "nvidia", count: 2, capabilities: ["gpu", "utility"], options: { a: "b" } }],
        });
        expect(result.options.HostConfig.DeviceRequests).toEqual([
            { Count: -1, Options: {}, Capabilities: [["gpu"]] },
            { Driver: "cdi", DeviceIDs: ["nvidia.com/gpu=all"] },
            { Driver: "nvidia", Count: 2, Capabilities: [["gpu", "utility"]], Options: { a: "b" } },
        ]);
        expect(result.requiredApiVersion).toBe("1.40");
    });

    it("uploads: content, base64, source; modes and numeric owners", () => {
        const result = minimal({
            uploads: [
                { file: "/etc/a.conf", content: "x=1\n" },
                { file: "/bin/run", contentBase64: Buffer.from("#!/bin/sh\n").toString("base64"), executable: true, owner: "999", group: "1000" },
                { file: "/etc/b", source: "/tmp/b", permissions: "0600", sourceHash: "abc" },
            ],
        });
        expect(result.uploads).toEqual([
            { file: "/etc/a.conf", content: Buffer.from("x=1\n"), mode: 0o644 },
            { file: "/bin/run", content: Buffer.from("#!/bin/sh\n"), mode: 0o744, uid: 999, gid: 1000 },
            { file: "/etc/b", sourcePath: "/tmp/b", mode: 0o600 },
        ]);
    });

    it("provider-only settings steer the lifecycle", () => {
        const result = minimal({
            start: true, wait: true, waitTimeout: 5, mustRun: false, attach: false, logs: true,
            removeVolumes: false, destroyGraceSeconds: 10, containerReadRefreshTimeoutMilliseconds: 20000,
        });
        expect(result.lifecycle).toEqual({
            start: true, wait: true, waitTimeoutSeconds: 5, mustRun: false, attach: false, logs: true, removeVolumes: false, destroyGraceSeconds: 10,
        });
        // none of them reaches the API request
        expect(result.options).toEqual(minimal({}).options);
    });
});

describe("containerCreateOptions: loud failures", () => {
    const fails = (inputs: Record<string, unknown>, message: RegExp) => {
        expect(() => minimal(inputs)).toThrow(PlanError);
        expect(() => minimal(inputs)).toThrow(message);
    };

    it("an unknown field, naming resource and field", () => {
        expect(() => minimal({ pidsLimit: 100 })).toThrow('dev-valkey (docker:index/container:Container): field "pidsLimit" is not mapped by the realizer');
    });
    it("an unknown nested field", () => {
        fails({ healthcheck: { tests: ["NONE"], startPeriods: "1s" } }, /field "healthcheck.startPeriods" is not mapped/);
        fails({ ports: [{ internal: 1, hostIp: "x" }] }, /field "ports\[0\].hostIp" is not mapped/);
        fails({ networksAdvanced: [{ name: "n", alias: ["x"] }] }, /field "networksAdvanced\[0\].alias"/);
        fails({ capabilities: { add: ["X"] } }, /"capabilities.add"/);
    });
    it("values of the wrong type", () => {
        fails({ memory: "512" }, /field "memory" must be an integer/);
        fails({ memory: 1.5 }, /field "memory" must be an integer/);
        fails({ envs: "A=1" }, /field "envs" must be a list/);
        fails({ envs: [1] }, /field "envs\[0\]" must be a string/);
        fails({ logOpts: { "max-file": 1 } }, /field "logOpts.max-file" must be a string/);
        fails({ readOnly: "true" }, /field "readOnly" must be a boolean/);
        fails({ healthcheck: { interval: 1 } }, /field "healthcheck.interval" must be a string/);
    });
    it("a missing image input", () => {
        expect(() => containerCreateOptions(containerResource({}), { image: IMAGE_ID, labels: RUN })).toThrow(/field "image" is required/);
    });
    it("values the provider's schema refuses", () => {
        fails({ restart: "sometimes" }, /field "restart" must be one of 'no', 'on-failure', 'always', 'unless-stopped'/);
        fails({ memory: -1 }, /field "memory" must be at least 0/);
        fails({ memorySwap: -2 }, /field "memorySwap" must be at least -1/);
        fails({ command: ["valkey-server", ""] }, /field "command\[1\]" is empty/);
        fails({ healthcheck: { interval: "-1s" } }, /field "healthcheck.interval" must not be negative/);
        fails({ healthcheck: { interval: "1" } }, /field "healthcheck.interval" is not a Go duration: missing unit/);
        fails({ healthcheck: { timeout: "3 s" } }, /field "healthcheck.timeout" is not a Go duration/);
        fails({ cgroupnsMode: "shared" }, /field "cgroupnsMode" must be one of 'private', 'host'/);
        fails({ ports: [{ internal: 80, protocol: "http" }] }, /"ports\[0\].protocol" must be one of/);
        fails({ ports: [{ external: 80 }] }, /"ports\[0\].internal" is required/);
        fails({ cpus: "1.0000000001" }, /field "cpus" is not a number of CPUs: .*too precise/);
        fails({ gpus: "count=x" }, /field "gpus"/);
        fails({ labels: [{ label: "a", value: "1" }, { label: "a", value: "2" }] }, /names "a" twice/);
    });
    it("declarations the provider would silently ignore", () => {
        fails({ mounts: [{ type: "volume", target: "/x", bindOptions: { propagation: "shared" } }] }, /"mounts\[0\].bindOptions" applies to type 'bind' only/);
        fails({ volumes: [{ fromContainer: "x", containerPath: "/x" }] }, /names both a container and a path/);
        fails({ volumes: [{ readOnly: true }] }, /neither containerPath nor fromContainer/);
        fails({ volumes: [{ fromContainer: "x", readOnly: true }] }, /combines fromContainer/);
        fails({ volumes: [{ containerPath: "/x", readOnly: true }] }, /anonymous volume/);
        fails({ uploads: [{ file: "/x", content: "a", source: "/b" }] }, /only one of content, contentBase64 or source/);
        fails({ uploads: [{ file: "/x" }] }, /needs one of content/);
        fails({ uploads: [{ file: "/x", content: "a", owner: "valkey" }] }, /"uploads\[0\].owner" must be numeric/);
        fails({ wait: true, start: false }, /field "wait" needs start/);
    });
});

describe("image mapping", () => {
    const plan = valkeyPlan();
    const container = plan.resources.find((r) => r.urn === CONTAINER_URN) as PlanResource;

    it("maps the RemoteImage among dependsOn through its name", () => {
        expect(resolveContainerImage(plan, container, { [UPSTREAM_IMAGE]: LOCAL_IMAGE })).toEqual({ upstream: UPSTREAM_IMAGE, local: LOCAL_IMAGE });
    });
    it("fails loudly without a mapping for it", () => {
        expect(() => resolveContainerImage(plan, container, { "docker.io/valkey/valkey:8": LOCAL_IMAGE })).toThrow(
            `dev-valkey (docker:index/container:Container): no image mapping for "${UPSTREAM_IMAGE}"`,
        );
    });
    it("never maps the placeholder image input itself", () => {
        expect(() => resolveContainerImage(plan, container, { [String(valkeyInputs()["image"])]: LOCAL_IMAGE })).toThrow(/no image mapping/);
    });
    it("fails loudly when no RemoteImage is among dependsOn", () => {
        const orphan = { ...container, options: { dependsOn: [NETWORK_URN, VOLUME_URN] } };
        expect(() => resolveContainerImage(plan, orphan, { [UPSTREAM_IMAGE]: LOCAL_IMAGE })).toThrow(/no docker:index\/remoteImage:RemoteImage among its dependsOn/);
    });
    it("fails loudly when two different RemoteImages are among dependsOn", () => {
        const second: PlanResource = {
            urn: `${IMAGE_URN}-2`, type: "docker:index/remoteImage:RemoteImage", name: "other", parent: null, inputs: { name: "busybox" }, options: {},
        };
        const twoPlan = { ...plan, resources: [...plan.resources, second] };
        const both = { ...container, options: { dependsOn: [IMAGE_URN, second.urn] } };
        expect(() => resolveContainerImage(twoPlan, both, { [UPSTREAM_IMAGE]: LOCAL_IMAGE, busybox: "b" })).toThrow(/several RemoteImages/);
    });
    it("checks RemoteImage inputs: build cannot be realized", () => {
        const image = plan.resources.find((r) => r.urn === IMAGE_URN) as PlanResource;
        expect(remoteImageName(image)).toBe(UPSTREAM_IMAGE);
        expect(() => remoteImageName({ ...image, inputs: { name: "x", build: { context: "." } } })).toThrow(/field "build" cannot be realized/);
        expect(() => remoteImageName({ ...image, inputs: { name: "x", pull: true } })).toThrow(/field "pull" is not mapped/);
    });
});

describe("networkCreateOptions and volumeCreateOptions", () => {
    const network = (inputs: Record<string, unknown>): PlanResource => ({
        urn: NETWORK_URN, type: "docker:index/network:Network", name: "dev-network", parent: null, inputs, options: {},
    });
    const volume = (inputs: Record<string, unknown>): PlanResource => ({
        urn: VOLUME_URN, type: "docker:index/volume:Volume", name: "dev-valkey-data", parent: null, inputs, options: {},
    });

    it("maps every network field", () => {
        expect(
            networkCreateOptions(
                network({
                    name: "dev-openwebui-network", driver: "bridge", attachable: true, internal: true, ingress: false, ipv6: true,
                    labels: [{ label: "a", value: "b" }], options: { "com.docker.network.bridge.name": "owv0" },
                    ipamDriver: "default", ipamOptions: { o: "1" },
                    ipamConfigs: [{ subnet: "172.30.0.0/24", ipRange: "172.30.0.0/25", gateway: "172.30.0.1", auxAddress: { r: "172.30.0.2" } }],
                }),
                { labels: RUN },
            ),
        ).toEqual({
            Name: "dev-openwebui-network", Driver: "bridge", Attachable: true, Internal: true, Ingress: false, EnableIPv6: true,
            Labels: { a: "b", ...RUN }, Options: { "com.docker.network.bridge.name": "owv0" },
            IPAM: {
                Driver: "default", Options: { o: "1" },
                Config: [{ Subnet: "172.30.0.0/24", IPRange: "172.30.0.0/25", Gateway: "172.30.0.1", AuxiliaryAddresses: { r: "172.30.0.2" } }],
            },
        });
    });
    it("network defaults: resource name, no IPAM", () => {
        expect(networkCreateOptions(network({}), { labels: RUN })).toEqual({ Name: "dev-network", Labels: RUN });
    });
    it("maps every volume field", () => {
        expect(
            volumeCreateOptions(volume({ name: "v", driver: "local", driverOpts: { type: "tmpfs", device: "tmpfs" }, labels: [{ label: "a", value: "b" }] }), { labels: RUN }),
        ).toEqual({ Name: "v", Driver: "local", DriverOpts: { type: "tmpfs", device: "tmpfs" }, Labels: { a: "b", ...RUN } });
        expect(volumeCreateOptions(volume({}), { labels: RUN })).toEqual({ Name: "dev-valkey-data", Labels: RUN });
    });
    it("fails loudly on unknown or unsupported fields", () => {
        expect(() => networkCreateOptions(network({ checkDuplicate: true }), { labels: RUN })).toThrow(
            'dev-network (docker:index/network:Network): field "checkDuplicate" is not mapped by the realizer',
        );
        expect(() => networkCreateOptions(network({ ipamConfigs: [{ subnet: "x", range: "y" }] }), { labels: RUN })).toThrow(/"ipamConfigs\[0\].range"/);
        expect(() => volumeCreateOptions(volume({ cluster: { scope: "single" } }), { labels: RUN })).toThrow(/field "cluster" cannot be realized/);
        expect(() => volumeCreateOptions(volume({ driver_opts: {} }), { labels: RUN })).toThrow(/field "driver_opts" is not mapped/);
    });
    it("refuse a resource of another type", () => {
        expect(() => volumeCreateOptions(network({}), { labels: RUN })).toThrow(/expected a resource of type docker:index\/volume:Volume/);
    });
});

describe("parseGoDuration (Go's time.ParseDuration)", () => {
    it.each([
        ["0", 0],
        ["+0", 0],
        ["-0", 0],
        ["0s", 0],
        ["1ns", 1],
        ["1us", 1_000],
        ["1\u00b5s", 1_000],
        ["1\u03bcs", 1_000],
        ["300ms", 300_000_000],
        ["1s", 1_000_000_000],
        ["3s", 3_000_000_000],
        ["1m", 60_000_000_000],
        ["1m0s", 60_000_000_000],
        ["1m30s", 90_000_000_000],
        ["1h", 3_600_000_000_000],
        ["1h0m0s", 3_600_000_000_000],
        ["2h45m", 9_900_000_000_000],
        ["1.5h", 5_400_000_000_000],
        [".5s", 500_000_000],
        ["1.s", 1_000_000_000],
        ["1.0000000001s", 1_000_000_000],
        ["0.1ns", 0],
        ["1.5ns", 1],
        ["-1.5s", -1_500_000_000],
        ["+2s", 2_000_000_000],
        ["1s500ms", 1_500_000_000],
        ["10s10s", 20_000_000_000],
        ["0.000001s", 1_000],
    ])("%s → %d ns", (text, ns) => {
        expect(parseGoDuration(text)).toBe(ns);
    });

    it.each(["", "+", "-", "1", "s", ".", ".s", "1x", "1S", "1 s", " 1s", "1s ", "--1s", "1s2", "1.2.3s", "1e3s", "∞s"])(
        "refuses %j",
        (text) => {
            expect(() => parseGoDuration(text)).toThrow();
        },
    );

    it("follows Go at the edges of int64", () => {
        expect(parseGoDurationBig("9223372036854775807ns")).toBe(9223372036854775807n);
        expect(parseGoDurationBig("-9223372036854775808ns")).toBe(-9223372036854775808n);
        expect(() => parseGoDurationBig("9223372036854775808ns")).toThrow(/invalid duration/);
        expect(() => parseGoDurationBig("3000000h")).toThrow(/invalid duration/);
        expect(parseGoDurationBig("2562047h")).toBe(2562047n * 3_600_000_000_000n);
    });

    it("refuses what a JavaScript number cannot hold exactly", () => {
        expect(() => parseGoDuration("2562047h")).toThrow(/too long/);
        expect(parseGoDuration("2400h")).toBe(2400 * 3_600_000_000_000);
    });

    it("names the unknown unit and the missing unit", () => {
        expect(() => parseGoDuration("5d")).toThrow('unknown unit "d" in duration "5d"');
        expect(() => parseGoDuration("5")).toThrow('missing unit in duration "5"');
    });

    it.each([
        [0, "0s"],
        [1, "1ns"],
        [1_500, "1.5µs"],
        [1_500_000, "1.5ms"],
        [1_000_000_000, "1s"],
        [1_500_000_000, "1.5s"],
        [60_000_000_000, "1m0s"],
        [90_000_000_000, "1m30s"],
        [3_600_000_000_000, "1h0m0s"],
        [-5_000_000_000, "-5s"],
    ])("formatGoDuration(%d) is Go's canonical %s", (ns, text) => {
        expect(formatGoDuration(ns)).toBe(text);
        expect(parseGoDuration(text)).toBe(ns);
    });
});

describe("small parsers", () => {
    it("parseCpus", () => {
        expect(parseCpus("1")).toBe(1_000_000_000);
        expect(parseCpus("0.5")).toBe(500_000_000);
        expect(parseCpus(".25")).toBe(250_000_000);
        expect(parseCpus("1.000000001")).toBe(1_000_000_001);
        expect(parseCpus("2.50000000000")).toBe(2_500_000_000);
        expect(() => parseCpus("abc")).toThrow();
        expect(() => parseCpus("-1")).toThrow();
    });
    it("parseGpus like docker run --gpus", () => {
        expect(parseGpus("all")).toEqual({ Count: -1, Options: {}, Capabilities: [["gpu"]] });
        expect(parseGpus("2")).toEqual({ Count: 2, Options: {}, Capabilities: [["gpu"]] });
        expect(parseGpus('"device=0,2"')).toEqual({ DeviceIDs: ["0", "2"], Options: {}, Capabilities: [["gpu"]] });
        expect(parseGpus("driver=nvidia,capabilities=compute")).toEqual({ Driver: "nvidia", Count: 1, Options: {}, Capabilities: [["compute", "gpu"]] });
        expect(() => parseGpus("all,count=2")).toThrow(/only once/);
        expect(() => parseGpus("colour=red")).toThrow(/unexpected key/);
    });
    it("apiVersionAtLeast", () => {
        expect(apiVersionAtLeast("1.41", "1.41")).toBe(true);
        expect(apiVersionAtLeast("1.41", "1.44")).toBe(false);
        expect(apiVersionAtLeast("1.47", "1.5")).toBe(true);
        expect(apiVersionAtLeast("1.9", "1.10")).toBe(false);
    });
    it("splitCreateRequest keeps the body (and its environment) out of the query", () => {
        const { query, body } = splitCreateRequest(spec(valkeyInputs({ platform: "linux/amd64" })).options);
        expect(query).toEqual({ name: "dev-valkey", platform: "linux/amd64" });
        expect(body["name"]).toBeUndefined();
        expect(body["platform"]).toBeUndefined();
        expect(body["Env"]).toEqual(["REDISCLI_AUTH=abc"]);
    });
});

describe("the container resource of the fixture plan", () => {
    it("depends on its image, network and volume", () => {
        const container = valkeyPlan().resources.find((r) => r.urn === CONTAINER_URN) as PlanResource;
        expect(container.options.dependsOn).toEqual([IMAGE_URN, NETWORK_URN, VOLUME_URN]);
    });
});
