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
