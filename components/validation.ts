import * as pulumi from "@pulumi/pulumi";
import { parseAll } from "@swimlane/docker-reference";
import { SettingError } from "./settingError";

// Docker's own rule for container and volume names (daemon/names: RestrictedNameChars). Network
// names are looser in Docker, but holding them to the same rule keeps every physical name portable.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_NAME_LENGTH = 128;

export function checkDockerName(setting: string, value: string): void {
    if (!DOCKER_NAME.test(value) || value.length > MAX_NAME_LENGTH) {
        throw new SettingError(
            setting,
            value,
            "Docker names start with a letter or digit and contain only letters, digits, '_', '.' and '-'" +
                ` (at most ${MAX_NAME_LENGTH} characters)`,
            "choose a name such as dev-valkey",
        );
    }
}

export function checkPort(setting: string, value: number): void {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
        throw new SettingError(setting, value, "a TCP port is a whole number from 1 to 65535", "choose a free port, e.g. 3000");
    }
}

/** An IPv4 or IPv6 literal the Docker daemon can bind a published port to. */
export function checkHostAddress(setting: string, value: string): void {
    const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
    const ipv6 = /^[0-9a-fA-F:]+$/;
    if (!ipv4.test(value) && !(value.includes(":") && ipv6.test(value))) {
        throw new SettingError(
            setting,
            value,
            "a published port binds to an IP address, not a host name",
            "use 127.0.0.1 (this host only, the default) or 0.0.0.0 (every interface)",
        );
    }
}

export function checkIntegerInRange(
    setting: string,
    value: number,
    min: number,
    max: number,
    why: string,
    fix: string = `choose a whole number from ${min} to ${max}`,
): void {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new SettingError(setting, value, why, fix);
    }
}

/**
 * An image reference the Docker daemon accepts (lowercase repository, optional registry, tag and
 * digest), checked with Docker's reference grammar so that a typo fails before any resource.
 */
export function checkImageReference(setting: string, value: string): void {
    try {
        parseAll(value);
    } catch (e) {
        throw new SettingError(
            setting,
            value,
            `Docker would refuse this image reference (${(e as Error).message})`,
            "write [registry/]repository[:tag][@sha256:digest] with a lowercase repository, e.g. docker.io/valkey/valkey:8.0.1-alpine",
        );
    }
}

/**
 * A value that may arrive as an Output is checked when it resolves, with the same message as a
 * plain value gets at plan time (the caller checks plain values with `knownNow` before any resource).
 */
export function checkWhenResolved<T>(value: pulumi.Input<T>, check: (resolved: T) => void): pulumi.Input<T> {
    if (knownNow(value) !== undefined) {
        return value;
    }
    return pulumi.output(value).apply((resolved) => {
        check(resolved as T);
        return resolved;
    }) as pulumi.Output<T>;
}

function isPromiseLike(value: unknown): boolean {
    return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** The value of an Input when it is known at plan time, else undefined. */
export function knownNow<T>(value: pulumi.Input<T> | undefined): T | undefined {
    return value === undefined || pulumi.Output.isInstance(value) || isPromiseLike(value) ? undefined : (value as T);
}
