import { buildRedisUrl, parseRedisUrl, redactRedisUrl, redisUrlWithDb } from "../../components/redisUrl";
import { SettingError } from "../../components/settingError";

describe("buildRedisUrl / parseRedisUrl", () => {
    const special = "p@ss:w/rd?#%&=+ ü";

    it("builds the tutorial's form with an empty user name", () => {
        expect(buildRedisUrl({ scheme: "redis", password: "abc123", host: "valkey", port: 6379, db: 0 })).toBe("redis://:abc123@valkey:6379/0");
    });

    it("percent-encodes a password with URL-special characters so that it parses back unchanged", () => {
        const url = buildRedisUrl({ scheme: "redis", password: special, host: "valkey", port: 6379, db: 0 });
        expect(url).toBe("redis://:p%40ss%3Aw%2Frd%3F%23%25%26%3D%2B%20%C3%BC@valkey:6379/0");
        const parsed = parseRedisUrl("redisUrl", url);
        expect(parsed).toEqual({ scheme: "redis", username: undefined, password: special, host: "valkey", port: 6379, db: 0 });
    });

    it("keeps user, scheme and port, and reads a missing db as 0", () => {
        expect(parseRedisUrl("redisUrl", "rediss://default:s3cret@cache.example.com:6380")).toEqual({
            scheme: "rediss",
            username: "default",
            password: "s3cret",
            host: "cache.example.com",
            port: 6380,
            db: 0,
        });
        expect(parseRedisUrl("redisUrl", "redis://valkey").port).toBe(6379);
    });

    it("moves a URL to another db with its password intact", () => {
        expect(redisUrlWithDb("redis://:p%40ss@valkey:6379/0", 1)).toBe("redis://:p%40ss@valkey:6379/1");
        expect(redisUrlWithDb("rediss://default:x@h:6380/2", 0)).toBe("rediss://default:x@h:6380/0");
    });

    it.each([
        ["valkey://:pw@valkey:6379/0", /valkey:\/\/ belongs to the unrelated vector-database feature.*redis:\/\/:\*\*\*@valkey:6379\/0/],
        ["http://valkey:6379/0", /scheme "http:\/\/" is not one/],
        ["valkey:6379", /scheme is missing/],
        ["redis://valkey:6379/16", /database index 16 is outside 0-15/],
        ["redis://valkey:6379/abc", /is not a database index/],
    ])("rejects %s", (url, message) => {
        expect(() => parseRedisUrl("redisUrl", url)).toThrow(SettingError);
        expect(() => parseRedisUrl("redisUrl", url)).toThrow(message);
    });

    it("never shows the password in an error", () => {
        let message = "";
        try {
            parseRedisUrl("redisUrl", "valkey://:hunter2@valkey:6379/0");
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toContain("redisUrl");
        expect(message).not.toContain("hunter2");
    });

    it.each([
        ["redis://:secret@valkey:6379/0", "redis://:***@valkey:6379/0"],
        ["redis://default:se@c/ret@valkey:6379/0", "redis://default:***@valkey:6379/0"],
        ["redis://secretonly@valkey:6379/0", "redis://***@valkey:6379/0"],
        ["redis://valkey:6379/0", "redis://valkey:6379/0"],
    ])("redacts %s", (url, shown) => {
        expect(redactRedisUrl(url)).toBe(shown);
    });
});
