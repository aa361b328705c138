import {
    VALKEY_DEFAULTS,
    resolveValkeySettings,
    safeMaxmemoryMb,
    valkeyCapabilities,
    valkeyCommand,
    valkeyHealthcheck,
    valkeyServerOptions,
    valkeyUlimits,
} from "../../components/valkeySettings";

describe("ValkeyCache settings (pure)", () => {
    const defaults = resolveValkeySettings("cache", {});

    it("derives physical names from the component name", () => {
        expect(defaults.containerName).toBe("cache");
        expect(defaults.networkName).toBe("cache-network");
        expect(defaults.createNetworkName).toBe("cache-network");
        expect(defaults.volumeName).toBe("cache-data");
    });

    it("joins an existing network and volume instead of creating them", () => {
        const s = resolveValkeySettings("cache", { existingNetworkName: "openwebui-network", existingVolumeName: "valkey-data" });
        expect(s.createNetworkName).toBeUndefined();
        expect(s.networkName).toBe("openwebui-network");
        expect(s.createVolumeName).toBeUndefined();
        expect(s.volumeName).toBe("valkey-data");
    });

    it("starts valkey-server with the tutorial's settings plus persistence and eviction", () => {
        expect(valkeyServerOptions(defaults)).toEqual([
            "--save", "30", "1",
            "--maxclients", "10000",
            "--timeout", "1800",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--maxmemory-policy", "noeviction",
            "--tcp-keepalive", "300",
        ]);
        const capped = resolveValkeySettings("c", { memoryLimitMb: 512, maxmemoryMb: 384, tcpKeepaliveSeconds: 60 });
        expect(valkeyServerOptions(capped)).toEqual(expect.arrayContaining(["--maxmemory", "384mb", "--tcp-keepalive", "60"]));
    });

    it("passes the password from the environment through a shell, keeping it out of the command", () => {
        const command = valkeyCommand(defaults);
        expect(command.slice(0, 4)).toEqual([
            "sh",
            "-c",
            'exec docker-entrypoint.sh valkey-server "$@" --requirepass "$REDISCLI_AUTH"',
            "valkey-server",
        ]);
        expect(command.slice(4)).toEqual(valkeyServerOptions(defaults));
        const open = resolveValkeySettings("c", { authentication: false });
        expect(valkeyCommand(open)).toEqual(["valkey-server", ...valkeyServerOptions(open)]);
    });

    it("declares the tutorial's healthcheck, comparing the reply to PONG, in canonical durations", () => {
        expect(valkeyHealthcheck()).toEqual({
            tests: ["CMD-SHELL", `[ "$(valkey-cli ping)" = 'PONG' ]`],
            interval: "1s",
            timeout: "3s",
            startPeriod: "5s",
            retries: 5,
        });
    });

    it("drops every capability and adds back only the three the entrypoint needs, or none as the valkey user", () => {
        // In the canonical CAP_ form, a fixed point of the daemon's normalizer.
        expect(valkeyCapabilities(defaults)).toEqual({ drops: ["ALL"], adds: ["CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"] });
        expect(valkeyCapabilities(resolveValkeySettings("c", { runAsValkeyUser: true }))).toEqual({ drops: ["ALL"] });
    });

    it("gives maxclients + 32 file descriptors, and an nproc bound only when asked", () => {
        expect(valkeyUlimits(defaults)).toEqual([{ name: "nofile", soft: 10032, hard: 10032 }]);
        expect(valkeyUlimits(resolveValkeySettings("c", { maxclients: 5, maxProcesses: 64 }))).toEqual([
            { name: "nofile", soft: 37, hard: 37 },
            { name: "nproc", soft: 64, hard: 64 },
        ]);
    });

    it("allows maxmemory up to 75% of the memory limit", () => {
        expect(safeMaxmemoryMb(512)).toBe(384);
        expect(() => resolveValkeySettings("c", { memoryLimitMb: 512, maxmemoryMb: 384 })).not.toThrow();
        expect(() => resolveValkeySettings("c", { memoryLimitMb: 512, maxmemoryMb: 385 })).toThrow(/at most 384/);
    });

    it("reports every bad setting at once", () => {
        expect(() => resolveValkeySettings("c", { timeoutSeconds: 0, maxclients: 0 })).toThrow(/2 settings are invalid:[\s\S]*timeoutSeconds = 0[\s\S]*maxclients = 0/);
    });

    it("has the defaults the tutorial asks for", () => {
        expect(VALKEY_DEFAULTS).toMatchObject({ maxclients: 10000, timeoutSeconds: 1800, authentication: true, maxmemoryPolicy: "noeviction", image: "docker.io/valkey/valkey:8.0.1-alpine" });
    });
});
