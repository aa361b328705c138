import { SettingError } from "./settingError";

/** The parts of a Redis-protocol URL that Open WebUI's client (redis-py) reads. */
export interface RedisEndpoint {
    readonly scheme: "redis" | "rediss";
    readonly username?: string;
    readonly password?: string;
    readonly host: string;
    readonly port: number;
    readonly db: number;
}

/** Databases a standalone Valkey/Redis server offers by default (`databases 16`). */
export const MAX_DB_INDEX = 15;

/**
 * Builds `redis://[user]:[password]@host:port/db`. User name and password are percent-encoded, so any
 * password survives inside the URL; redis-py decodes them again.
 */
export function buildRedisUrl(endpoint: RedisEndpoint): string {
    let auth = "";
    if (endpoint.password !== undefined) {
        auth = `${encodeURIComponent(endpoint.username ?? "")}:${encodeURIComponent(endpoint.password)}@`;
    } else if (endpoint.username !== undefined) {
        auth = `${encodeURIComponent(endpoint.username)}@`;
    }
    return `${endpoint.scheme}://${auth}${endpoint.host}:${endpoint.port}/${endpoint.db}`;
}

/**
 * Parses and checks a URL given for `setting`. Errors never echo the password: the value shown is
 * the URL with its password replaced by `***`.
 */
export function parseRedisUrl(setting: string, url: string): RedisEndpoint {
    const shown = redactRedisUrl(url);
    const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
    const scheme = schemeMatch?.[1].toLowerCase();
    if (scheme === "valkey" || scheme === "valkeys") {
        throw new SettingError(
            setting,
            shown,
            "Open WebUI speaks to Valkey over the Redis protocol and only reads redis:// and rediss:// URLs here; " +
                "valkey:// belongs to the unrelated vector-database feature (VECTOR_DB=valkey with VALKEY_URL)",
            `write the same address as redis://${shown.slice(`${scheme}://`.length)} (rediss:// for TLS)`,
        );
    }
    if (scheme !== "redis" && scheme !== "rediss") {
        throw new SettingError(
            setting,
            shown,
            `the scheme ${scheme ? `"${scheme}://"` : "is missing and"} is not one Open WebUI's Redis client reads`,
            "use redis://[user]:[password]@host:port/db, or rediss:// for TLS",
        );
    }
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new SettingError(setting, shown, "it is not a valid URL", "use redis://[user]:[password]@host:port/db");
    }
    if (!parsed.hostname) {
        throw new SettingError(setting, shown, "it names no host", "use redis://[user]:[password]@host:port/db");
    }
    const port = parsed.port === "" ? 6379 : Number(parsed.port);
    const dbText = parsed.pathname.replace(/^\//, "");
    if (dbText !== "" && !/^\d+$/.test(dbText)) {
        throw new SettingError(
            setting,
            shown,
            `the path "/${dbText}" is not a database index`,
            `end the URL with a database index from 0 to ${MAX_DB_INDEX}, e.g. /0`,
        );
    }
    const db = dbText === "" ? 0 : Number(dbText);
    checkDbIndex(setting, db, shown);
    return {
        scheme,
        username: parsed.username === "" ? undefined : decodeURIComponent(parsed.username),
        password: parsed.password === "" ? undefined : decodeURIComponent(parsed.password),
        host: parsed.hostname,
        port,
        db,
    };
}

export function checkDbIndex(setting: string, db: number, shown: unknown = db): void {
    if (!Number.isInteger(db) || db < 0 || db > MAX_DB_INDEX) {
        throw new SettingError(
            setting,
            shown,
            `database index ${db} is outside 0-${MAX_DB_INDEX} (a Valkey server has 16 databases unless its "databases" setting says otherwise)`,
            `use a database index from 0 to ${MAX_DB_INDEX}`,
        );
    }
}

/** The same server with another database index; keeps user, password and scheme. */
export function redisUrlWithDb(url: string, db: number, setting = "redisUrl"): string {
    checkDbIndex(setting, db);
    return buildRedisUrl({ ...parseRedisUrl(setting, url), db });
}

/** The URL with its password (if any) replaced by `***`, for messages and logs. */
export function redactRedisUrl(url: string): string {
    const authorityStart = url.indexOf("://");
    // The user info ends at the last "@": an unencoded "@" or "/" in a password must not leak.
    const userInfoEnd = url.lastIndexOf("@");
    if (authorityStart < 0 || userInfoEnd < authorityStart) {
        return url;
    }
    const userInfo = url.slice(authorityStart + 3, userInfoEnd);
    const colon = userInfo.indexOf(":");
    // Without a colon the lone part may still be a password written in the wrong place: hide it too.
    const shownUserInfo = colon < 0 ? "***" : `${userInfo.slice(0, colon)}:***`;
    return `${url.slice(0, authorityStart + 3)}${shownUserInfo}${url.slice(userInfoEnd)}`;
}
