// Names and references of the Swarm resources: the ids and auto-names the plan renderer's mocks
// give (so that a service's references to its network, secrets and configs can be resolved to
// what the realizer really created), the bridge's auto-naming, and Docker image references as the
// Docker Go client normalizes them before a service is created.

import { createHash, randomBytes } from "node:crypto";

// ---------------------------------------------------------------------------------------------
// What the plan holds in place of ids and auto-names

function sha256Hex(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

/**
 * The id tools/plan/evaluate.ts (standInState) gives a Network, Secret, ServiceConfig or Service
 * under the mocks: the hex SHA-256 of `<stack>:<type>:<resource name>`. A service's `secretId`,
 * `configId` and `networksAdvanceds[].name` hold these in a plan; the realizer swaps in the ids of
 * what it created. tests/realize/swarmReferences.test.ts checks the formula against the renderer.
 */
export function standInId(stack: string, type: string, name: string): string {
    return sha256Hex(`${stack}:${type}:${name}`);
}

/**
 * The name tools/plan/evaluate.ts gives an auto-named Secret, ServiceConfig or Service (one whose
 * program leaves `name` unset): `<resource name>-<7 hex digits>`, like the bridge's, but derived
 * from the resource, so that a plan renders the same every time. A service's `secretName` /
 * `configName` taken from such a resource's `name` output holds it; the realizer swaps in the real one.
 */
export function standInAutoName(stack: string, type: string, name: string): string {
    return `${name}-${sha256Hex(`autoname:${stack}:${type}:${name}`).slice(0, 7)}`;
}

/** Longest auto-name: pulumi-docker provider/resources.go calls `prov.SetAutonaming(255, "-")`. */
export const AUTONAME_MAX_LENGTH = 255;
/** Random characters of an auto-name: tfbridge AutoName uses AutoNameOptions{Randlen: 7} (hex digits). */
export const AUTONAME_RANDOM_LENGTH = 7;

/**
 * The bridge's auto-name for a resource whose program leaves `name` unset. pulumi-docker's
 * provider/resources.go (v3 and v4 alike) ends with `prov.SetAutonaming(255, "-")`, which gives
 * every resource whose Terraform schema has an input `name` of type string (docker_secret,
 * docker_config, docker_service...) `tfbridge.AutoName("name", 255, "-")`:
 * ComputeAutoNameDefault takes the URN's name, appends the separator, and
 * resource.NewUniqueName adds 7 random hex digits, refusing a result longer than 255 characters.
 * The name is drawn once, at create; later updates keep it (state's `__defaults`).
 */
export function autoName(resourceName: string, random: (bytes: number) => Buffer = randomBytes): string {
    const prefix = `${resourceName}-`;
    if (prefix.length + AUTONAME_RANDOM_LENGTH > AUTONAME_MAX_LENGTH) {
        throw new Error(`name '${prefix}' plus ${AUTONAME_RANDOM_LENGTH} random chars is longer than maximum length ${AUTONAME_MAX_LENGTH}`);
    }
    return prefix + random(4).toString("hex").slice(0, AUTONAME_RANDOM_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// Image references (github.com/distribution/reference: ParseNormalizedNamed, TagNameOnly, FamiliarString)

export interface ImageReference {
    /** Registry host, "docker.io" for Docker Hub. */
    domain: string;
    /** Repository path on that registry; Docker Hub's official images under "library/". */
    path: string;
    tag?: string;
    digest?: string;
}

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_REPO_PREFIX = "library/";
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;

/**
 * reference.ParseNormalizedNamed: a domain only when the first component has a "." or ":" or is
 * "localhost" (and is lowercase), else docker.io; docker.io's one-component names get "library/".
 * Undefined where the Go function returns an error (upper case, bad characters...).
 */
export function parseImageReference(text: string): ImageReference | undefined {
    let rest = text;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!DIGEST.test(digest)) return undefined;
    }
    let tag: string | undefined;
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.indexOf(":", lastSlash + 1);
    if (colon >= 0) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag)) return undefined;
    }
    if (rest === "") return undefined;
    const slash = rest.indexOf("/");
    let domain: string;
    let path: string;
    const first = slash < 0 ? "" : rest.slice(0, slash);
    if (slash < 0 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
        domain = DEFAULT_DOMAIN;
        path = rest;
    } else {
        domain = first;
        path = rest.slice(slash + 1);
    }
    if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
    if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = OFFICIAL_REPO_PREFIX + path;
    if (!path.split("/").every((component) => PATH_COMPONENT.test(component))) return undefined;
    const out: ImageReference = { domain, path };
    if (tag !== undefined) out.tag = tag;
    if (digest !== undefined) out.digest = digest;
    return out;
}

/** reference.FamiliarString: docker.io and its "library/" left out. */
export function familiarString(ref: ImageReference): string {
    let name = ref.domain === DEFAULT_DOMAIN ? ref.path : `${ref.domain}/${ref.path}`;
    if (ref.domain === DEFAULT_DOMAIN && name.startsWith(OFFICIAL_REPO_PREFIX) && !name.slice(OFFICIAL_REPO_PREFIX.length).includes("/")) {
        name = name.slice(OFFICIAL_REPO_PREFIX.length);
    }
    return name + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}

/** The fully qualified form ("docker.io/library/alpine:3"), to compare two ways of writing one reference. */
export function normalizedString(ref: ImageReference): string {
    return `${ref.domain}/${ref.path}` + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}

/**
 * What the Docker Go client puts in the service spec before it sends it
 * (client/service_create.go ServiceCreate → imageWithTagString): the familiar form with the tag
 * "latest" added when there is neither tag nor digest; the text unchanged when it does not parse.
 */
export function imageWithTagString(image: string): string {
    const ref = parseImageReference(image);
    if (ref === undefined) return image;
    if (ref.tag === undefined && ref.digest === undefined) ref.tag = "latest";
    return familiarString(ref);
}
