import type { ValkeyCacheArgs } from "./valkeyCache";
import { SettingError, collectSettingErrors } from "./settingError";
import type * as pulumi from "@pulumi/pulumi";
import { checkDockerName, checkHostAddress, checkImageReference, checkIntegerInRange, checkPort, knownNow } from "./validation";

/** The tutorial's image, pinned. */
export const VALKEY_IMAGE = "docker.io/valkey/valkey:8.0.1-alpine";
export const VALKEY_PORT = 6379;
export const VALKEY_DATA_PATH = "/data";
/** The uid of the `valkey` user in the official images (alpine and debian alike). */
export const VALKEY_UID = "999";
/** Valkey keeps this many descriptors beyond maxclients for itself (CONFIG_MIN_RESERVED_FDS). */
export const VALKEY_RESERVED_FDS = 32;
/** Share of a container memory limit that `maxmemory` may take: the rest covers fork copy-on-write, buffers and the allocator. */
export const MAXMEMORY_SHARE_OF_LIMIT = 0.75;

export const MAXCLIENTS_RANGE = { min: 1, max: 100_000 } as const;
export const MAX_PROCESSES_RANGE = { min: 16, max: 65_536 } as const;
export const ALLOWED_EVICTION_POLICIES = ["noeviction", "volatile-ttl", "volatile-lru"] as const;

/** Every default of ValkeyCache in one place; Pulumi.yaml's defaults are checked against these by a test. */
export const VALKEY_DEFAULTS = {
    image: VALKEY_IMAGE,
    networkAlias: "valkey",
    authentication: true,
    maxclients: 10_000,
    timeoutSeconds: 1800,
    tcpKeepaliveSeconds: 300,
    maxmemoryPolicy: "noeviction",
    runAsValkeyUser: false,
    hostAddress: "127.0.0.1",
    retainDataOnDelete: true,
    waitTimeoutSeconds: 60,
    /** Time for the shutdown save (AOF fsync and RDB) before the container is killed. */
    stopGraceSeconds: 30,
    protectData: false,
    /** The tutorial's `--save 30 1`: a snapshot 30 s after any write. */
    save: "30 1",
} as const;

/** ValkeyCacheArgs with every default applied and every plain value checked. */
export interface ValkeySettings {
    readonly image: pulumi.Input<string>;
    readonly containerName: string;
    /** The network to create, or undefined when joining `existingNetworkName`. */
    readonly createNetworkName?: string;
    readonly networkName: pulumi.Input<string>;
    readonly createVolumeName?: string;
    readonly volumeName: pulumi.Input<string>;
    readonly networkAlias: string;
    readonly authentication: boolean;
    readonly maxclients: number;
    readonly timeoutSeconds: number;
    readonly tcpKeepaliveSeconds: number;
    readonly maxmemoryMb?: number;
    readonly maxmemoryPolicy: string;
    readonly memoryLimitMb?: number;
    readonly maxProcesses?: number;
    readonly runAsValkeyUser: boolean;
    readonly hostPort?: number;
    readonly hostAddress: string;
    readonly retainDataOnDelete: boolean;
    readonly waitTimeoutSeconds: number;
    readonly stopGraceSeconds: number;
    readonly protectData: boolean;
}

/** Applies the defaults and validates; throws a SettingError naming each bad setting before any resource exists. */
export function resolveValkeySettings(name: string, args: ValkeyCacheArgs): ValkeySettings {
    const d = VALKEY_DEFAULTS;
    const s: ValkeySettings = {
        image: args.image ?? d.image,
        containerName: args.containerName ?? name,
        createNetworkName: args.existingNetworkName === undefined ? (args.networkName ?? `${name}-network`) : undefined,
        networkName: args.existingNetworkName ?? args.networkName ?? `${name}-network`,
        createVolumeName: args.existingVolumeName === undefined ? (args.volumeName ?? `${name}-data`) : undefined,
        volumeName: args.existingVolumeName ?? args.volumeName ?? `${name}-data`,
        networkAlias: args.networkAlias ?? d.networkAlias,
        authentication: args.authentication ?? d.authentication,
        maxclients: args.maxclients ?? d.maxclients,
        timeoutSeconds: args.timeoutSeconds ?? d.timeoutSeconds,
        tcpKeepaliveSeconds: args.tcpKeepaliveSeconds ?? d.tcpKeepaliveSeconds,
        maxmemoryMb: args.maxmemoryMb,
        maxmemoryPolicy: args.maxmemoryPolicy ?? d.maxmemoryPolicy,
        memoryLimitMb: args.memoryLimitMb,
        maxProcesses: args.maxProcesses,
        runAsValkeyUser: args.runAsValkeyUser ?? d.runAsValkeyUser,
        hostPort: args.hostPort,
        hostAddress: args.hostAddress ?? d.hostAddress,
        retainDataOnDelete: args.retainDataOnDelete ?? d.retainDataOnDelete,
        waitTimeoutSeconds: args.waitTimeoutSeconds ?? d.waitTimeoutSeconds,
        stopGraceSeconds: args.stopGraceSeconds ?? d.stopGraceSeconds,
        protectData: args.protectData ?? d.protectData,
    };
    const known = (value: pulumi.Input<string>, check: (v: string) => void) => () => {
        const v = knownNow(value);
        if (v !== undefined) check(v);
    };
    collectSettingErrors([
        () => checkDockerName("containerName", s.containerName),
        known(s.image, (v) => checkImageReference("image", v)),
        known(s.networkName, (v) => checkDockerName(networkSetting(args), v)),
        known(s.volumeName, (v) => checkDockerName(volumeSetting(args), v)),
        () => checkDockerName("networkAlias", s.networkAlias),
        () => {
            if (args.existingNetworkName !== undefined && args.networkName !== undefined) {
                throw new SettingError("networkName", args.networkName, "it is given together with existingNetworkName", "give only one: networkName creates a network, existingNetworkName joins one");
            }
        },
        () => {
            if (args.existingVolumeName !== undefined && args.volumeName !== undefined) {
                throw new SettingError("volumeName", args.volumeName, "it is given together with existingVolumeName", "give only one: volumeName creates a volume, existingVolumeName uses one");
            }
        },
        () => {
            if (!s.authentication && args.password !== undefined) {
                throw new SettingError("authentication", false, "a password is given but authentication is turned off", "drop the password, or set authentication to true");
            }
        },
        () => checkTimeout("timeoutSeconds", s.timeoutSeconds),
        () =>
            checkIntegerInRange(
                "maxclients",
                s.maxclients,
                MAXCLIENTS_RANGE.min,
                MAXCLIENTS_RANGE.max,
                `maxclients must be a whole number from ${MAXCLIENTS_RANGE.min} to ${MAXCLIENTS_RANGE.max}; the container gets maxclients + ${VALKEY_RESERVED_FDS} file descriptors`,
                `choose a value in that range (the tutorial uses ${d.maxclients})`,
            ),
        () => checkIntegerInRange("tcpKeepaliveSeconds", s.tcpKeepaliveSeconds, 0, 86_400, "tcp-keepalive is a whole number of seconds from 0 (off) to 86400", "keep Valkey's default of 300"),
        () => checkEvictionPolicy("maxmemoryPolicy", s.maxmemoryPolicy),
        () => checkMemory(s),
        () => {
            if (s.maxProcesses !== undefined) {
                checkIntegerInRange(
                    "maxProcesses",
                    s.maxProcesses,
                    MAX_PROCESSES_RANGE.min,
                    MAX_PROCESSES_RANGE.max,
                    `the process bound must leave room for Valkey's threads, its save child and the healthcheck (${MAX_PROCESSES_RANGE.min} to ${MAX_PROCESSES_RANGE.max})`,
                );
            }
        },
        () => {
            if (s.hostPort !== undefined) {
                checkPort("hostPort", s.hostPort);
            }
        },
        () => checkHostAddress("hostAddress", s.hostAddress),
        () => checkPublishedWithoutAuthentication(s),
        () => checkStopGrace("stopGraceSeconds", s.stopGraceSeconds),
        () => checkIntegerInRange("waitTimeoutSeconds", s.waitTimeoutSeconds, 1, 3600, "the wait for a healthy Valkey is a whole number of seconds from 1 to 3600", "keep the default of 60"),
    ]);
    return s;
}

/** The setting that names the network, for messages: the one the user gave. */
export function networkSetting(args: Pick<ValkeyCacheArgs, "existingNetworkName">): string {
    return args.existingNetworkName === undefined ? "networkName" : "existingNetworkName";
}

export function volumeSetting(args: { readonly existingVolumeName?: unknown }): string {
    return args.existingVolumeName === undefined ? "volumeName" : "existingVolumeName";
}

/** Whether a bind address keeps a published port on this host (127.0.0.0/8 or ::1). */
export function isLoopbackAddress(address: string): boolean {
    return /^127\./.test(address) || address === "::1";
}

function checkPublishedWithoutAuthentication(s: ValkeySettings): void {
    if (s.hostPort !== undefined && !s.authentication && !isLoopbackAddress(s.hostAddress)) {
        throw new SettingError(
            "hostAddress",
            s.hostAddress,
            `Valkey without authentication would answer anyone who reaches ${s.hostAddress}:${s.hostPort}, who could then read sessions and delete the records of revoked tokens; this component offers no TLS, so even a password would cross that network in clear text`,
            "keep hostAddress 127.0.0.1 (reach it from elsewhere through an SSH tunnel or a TLS proxy), or turn authentication on and publish only on a trusted network",
        );
    }
}

/** Seconds between SIGTERM and SIGKILL when the container is stopped, replaced or destroyed. */
export function checkStopGrace(setting: string, value: number): void {
    checkIntegerInRange(
        setting,
        value,
        1,
        3600,
        "the stop grace period is a whole number of seconds from 1 to 3600; without one the provider kills the container at once, with no clean shutdown",
        "keep the default of 30",
    );
}

export function checkTimeout(setting: string, value: number): void {
    if (!Number.isInteger(value) || value < 1) {
        throw new SettingError(
            setting,
            value,
            "with timeout 0 Valkey never closes idle connections: they pile up until maxclients is reached and every login then fails with 500 (max number of clients reached); a negative timeout is not valid at all",
            "use a positive number of seconds, e.g. the tutorial's 1800",
        );
    }
}

export function checkEvictionPolicy(setting: string, value: string): void {
    if (value.startsWith("allkeys-")) {
        throw new SettingError(
            setting,
            value,
            "an allkeys-* policy may evict the keys that record revoked tokens, so a signed-out session would silently become valid again",
            `use noeviction (writes are refused when memory is full), or at most ${ALLOWED_EVICTION_POLICIES.filter((p) => p !== "noeviction").join(" or ")}`,
        );
    }
    if (!(ALLOWED_EVICTION_POLICIES as readonly string[]).includes(value)) {
        throw new SettingError(setting, value, "it is not an eviction policy this deployment allows", `use one of ${ALLOWED_EVICTION_POLICIES.join(", ")}`);
    }
}

function checkMemory(s: ValkeySettings): void {
    if (s.memoryLimitMb !== undefined) {
        checkIntegerInRange("memoryLimitMb", s.memoryLimitMb, 16, 1_048_576, "a container memory limit is a whole number of MB from 16 up", "e.g. 512");
    }
    if (s.maxmemoryMb !== undefined) {
        checkIntegerInRange("maxmemoryMb", s.maxmemoryMb, 1, 1_048_576, "maxmemory is a whole number of MB from 1 up", "e.g. 384");
    }
    if (s.memoryLimitMb === undefined) {
        return;
    }
    const safe = safeMaxmemoryMb(s.memoryLimitMb);
    if (s.maxmemoryMb === undefined) {
        throw new SettingError(
            "maxmemoryMb",
            undefined,
            `with a memory limit of ${s.memoryLimitMb} MB and no maxmemory, Valkey grows until the kernel kills it instead of refusing writes`,
            `set maxmemoryMb to at most ${safe} (${MAXMEMORY_SHARE_OF_LIMIT * 100}% of the limit)`,
        );
    }
    if (s.maxmemoryMb > safe) {
        throw new SettingError(
            "maxmemoryMb",
            s.maxmemoryMb,
            `it exceeds ${MAXMEMORY_SHARE_OF_LIMIT * 100}% of the ${s.memoryLimitMb} MB memory limit; saving forks the server and copy-on-write needs the rest, so the kernel would kill Valkey`,
            `set maxmemoryMb to at most ${safe}, or raise memoryLimitMb to at least ${Math.ceil(s.maxmemoryMb / MAXMEMORY_SHARE_OF_LIMIT)}`,
        );
    }
}

export function safeMaxmemoryMb(memoryLimitMb: number): number {
    return Math.floor(memoryLimitMb * MAXMEMORY_SHARE_OF_LIMIT);
}

/** The password must be a non-empty string; checked when it resolves, since it may arrive as an Output. */
export function checkPassword(setting: string, value: string): void {
    if (value.length === 0 || value.includes("\0")) {
        throw new SettingError(setting, "[secret]", "the password is empty or contains a NUL character", "supply a non-empty password, or let the component generate one");
    }
}

// --- What the container is given ---------------------------------------------------------------

/** valkey-server's options: the tutorial's three, then persistence, eviction and keepalive. */
export function valkeyServerOptions(s: ValkeySettings): string[] {
    const options = [
        "--save", ...VALKEY_DEFAULTS.save.split(" "),
        "--maxclients", String(s.maxclients),
        "--timeout", String(s.timeoutSeconds),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--maxmemory-policy", s.maxmemoryPolicy,
        "--tcp-keepalive", String(s.tcpKeepaliveSeconds),
    ];
    if (s.maxmemoryMb !== undefined) {
        options.push("--maxmemory", `${s.maxmemoryMb}mb`);
    }
    return options;
}

/** The environment variable valkey-cli 8.0 reads its password from; the server takes it from there too. */
export const PASSWORD_ENV = "REDISCLI_AUTH";

/**
 * With the password in a file (a Swarm service's Docker secret; a service spec's environment is
 * readable by anyone who may inspect it), the shell first exports it as REDISCLI_AUTH.
 */
function readPasswordFile(passwordFile: string | undefined): string {
    return passwordFile === undefined ? "" : `${PASSWORD_ENV}="$(cat ${passwordFile})" && export ${PASSWORD_ENV} && `;
}

/**
 * The container command. With authentication, a shell passes the password from the environment to
 * `--requirepass`, so the command itself holds no secret and stays readable in previews; the image's
 * entrypoint still runs (and steps down to the valkey user when started as root).
 */
export function valkeyCommand(s: ValkeySettings, passwordFile?: string): string[] {
    if (!s.authentication) {
        return ["valkey-server", ...valkeyServerOptions(s)];
    }
    return [
        "sh",
        "-c",
        `${readPasswordFile(passwordFile)}exec docker-entrypoint.sh valkey-server "$@" --requirepass "$${PASSWORD_ENV}"`,
        "valkey-server",
        ...valkeyServerOptions(s),
    ];
}

/**
 * Healthy only when the server answers PONG to a PING sent with the password from REDISCLI_AUTH:
 * valkey-cli exits 0 even on an error reply such as NOAUTH, so the output is compared, not the exit code.
 * Durations are in Go's canonical form, as the provider reads them back.
 */
export function valkeyHealthcheck(passwordFile?: string) {
    return {
        tests: ["CMD-SHELL", `${readPasswordFile(passwordFile)}[ "$(valkey-cli ping)" = 'PONG' ]`],
        interval: "1s",
        timeout: "3s",
        startPeriod: "5s",
        retries: 5,
    };
}

export function valkeyCapabilities(s: ValkeySettings): { drops: string[]; adds?: string[] } {
    // Started as root, the entrypoint chowns /data (DAC_OVERRIDE) and steps down with setpriv
    // (SETUID, SETGID); started as the valkey user it needs nothing at all.
    // Written in the canonical CAP_ form (what the docker CLI sends and the daemon's normalizer
    // produces). The provider's Read stores what the daemon reports and `capabilities` forces
    // replacement: a 20.10 daemon keeps either spelling as sent (measured), and this one is a fixed
    // point for any daemon that normalizes, so no spelling difference can replace Valkey on each `up`.
    return s.runAsValkeyUser ? { drops: ["ALL"] } : { drops: ["ALL"], adds: ["CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"] };
}

export function valkeyUlimits(s: ValkeySettings): { name: string; soft: number; hard: number }[] {
    const files = s.maxclients + VALKEY_RESERVED_FDS;
    const ulimits = [{ name: "nofile", soft: files, hard: files }];
    if (s.maxProcesses !== undefined) {
        ulimits.push({ name: "nproc", soft: s.maxProcesses, hard: s.maxProcesses });
    }
    return ulimits;
}
