// Runs the real program under Pulumi's in-process mock engine and records what it declares: each
// registration's type, name, parent, inputs and options, as the engine would receive them.
import { createHash } from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./stackFiles";
import { containsSecret, unwrapSecrets as unwrap } from "./wireSecrets";

export interface PlanOptions {
    protect?: boolean;
    retainOnDelete?: boolean;
    /** Set when the program sets it; `false` overrides a provider that would delete first. */
    deleteBeforeReplace?: boolean;
    replaceOnChanges?: string[];
    ignoreChanges?: string[];
    /**
     * Every resource this one depends on, as the engine records it: explicit `dependsOn` edges and
     * the resources behind any input (the register request's dependency list).
     */
    dependsOn?: string[];
    aliases?: string[];
}

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    inputs: Record<string, unknown>;
    options: PlanOptions;
    /**
     * Input name → the resources whose outputs that input is built from (sorted URNs; inputs
     * without any are left out). Only these edges carry a delete-first replacement on to a
     * dependant; a `dependsOn` edge alone never does. A sibling of `options`, not one of them: it
     * is state the engine records, not something the program chooses.
     */
    propertyDependencies?: Record<string, string[]>;
    /**
     * For each input a masked rendering hides (shown as `[secret]`, or with a secret value masked
     * inside): a short fingerprint of its value, so that a diff can tell a changed input from an
     * unchanged one without showing either.
     */
    secretDigests?: Record<string, string>;
}

export interface Plan {
    project: string;
    stack: string;
    resources: PlanResource[];
    outputs: Record<string, unknown>;
}

/** What evaluation yields before secrets are masked. */
export interface Evaluation {
    plan: Plan;
    /** Values known to be secret (encrypted config placeholders, generated passwords). */
    secretValues: string[];
    /** `urn` → top-level input names the engine received marked secret. */
    secretInputs: Map<string, string[]>;
    secretOutputs: string[];
}

const STACK_TYPE = "pulumi:pulumi:Stack";
function hex(seed: string): string {
    return createHash("sha256").update(seed).digest("hex");
}

/** A deterministic password drawn from the alphabet RandomPassword's inputs allow. */
function standInPassword(seed: string, inputs: Record<string, any>): string {
    let alphabet = "";
    if (inputs.lower !== false) alphabet += "abcdefghijklmnopqrstuvwxyz";
    if (inputs.upper !== false) alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if (inputs.numeric !== false) alphabet += "0123456789";
    if (inputs.special !== false) alphabet += inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?";
    const length = typeof inputs.length === "number" ? inputs.length : 16;
    let out = "";
    for (let i = 0; out.length < length; i++) {
        for (const byte of Buffer.from(hex(`${seed}:${i}`), "hex")) {
            if (out.length < length) out += alphabet[byte % alphabet.length];
        }
    }
    return out;
}

/** Realistic, deterministic computed outputs, so that a changed image changes the container's `image`. */
function standInState(stack: string, type: string, name: string, inputs: Record<string, any>, secretValues: Set<string>) {
    const seed = `${stack}:${type}:${name}`;
    switch (type) {
        case "docker:index/remoteImage:RemoteImage": {
            const imageId = `sha256:${hex(`image:${inputs.name}`)}`;
            return { id: `${imageId}${inputs.name}`, state: { ...inputs, imageId, repoDigest: `${String(inputs.name).split(":")[0]}@sha256:${hex(`digest:${inputs.name}`)}` } };
        }
        case "docker:index/container:Container":
            return { id: hex(seed), state: { ...inputs, hostname: hex(seed).slice(0, 12), exitCode: 0 } };
        case "docker:index/network:Network":
            return { id: hex(seed), state: { ...inputs, driver: inputs.driver ?? "bridge", scope: "local" } };
        case "docker:index/volume:Volume":
            return { id: inputs.name, state: { ...inputs, driver: inputs.driver ?? "local", mountpoint: `/var/lib/docker/volumes/${inputs.name}/_data` } };
        // The bridge auto-names an unset `name` (pulumi-docker provider/resources.go SetAutonaming(255, "-"):
        // `<resource name>-<7 random hex>`); a stand-in of that form, fixed per resource (tools/realize/swarmNames.ts).
        case "docker:index/secret:Secret":
        case "docker:index/serviceConfig:ServiceConfig":
        case "docker:index/service:Service":
            return { id: hex(seed), state: { ...inputs, name: inputs.name ?? `${name}-${hex(`autoname:${seed}`).slice(0, 7)}` } };
        case "random:index/randomPassword:RandomPassword": {
            const result = standInPassword(seed, inputs);
            secretValues.add(result);
            return { id: "none", state: { ...inputs, result, bcryptHash: `$2a$10$${hex(`bcrypt:${seed}`).slice(0, 53)}` } };
        }
        default:
            return { id: hex(seed), state: inputs };
    }
}

interface RawOptions {
    protect?: boolean;
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
    dependsOnMock: string[];
    propertyDependenciesMock: Record<string, string[]>;
    aliases: string[];
}

interface Registration {
    mockUrn: string;
    type: string;
    name: string;
    parentMockUrn: string;
    inputs: Record<string, unknown>;
    secretInputs: string[];
    options: RawOptions;
}

/**
 * Evaluates the program at `programPath` for `stack`. Runs once per process: Pulumi's runtime keeps
 * global state, so every evaluation gets a process of its own.
 */
export async function evaluate(projectDir: string, programPath: string, stackConfig: StackConfig): Promise<Evaluation> {
    const { project, stack } = stackConfig;
    const secretValues = new Set(stackConfig.secretValues);
    const registrations: Registration[] = [];
    let inFlight = 0;

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => standInState(stack, args.type, args.name, unwrap(args.inputs) as Record<string, any>, secretValues),
            call: (args) => args.inputs,
        },
        project,
        stack,
        false,
    );
    pulumi.runtime.setAllConfig(stackConfig.config, stackConfig.secretKeys);

    // The mock callback sees only type, name and inputs: wrap the mock monitor to read the parent,
    // the options and the dependencies off each registration request.
    const monitor = pulumi.runtime.getMonitor() as any;
    const registerResource = monitor.registerResource.bind(monitor);
    let stackOutputs: Record<string, unknown> = {};
    monitor.registerResource = (req: any, callback: (err: unknown, res: any) => void) => {
        inFlight++;
        return registerResource(req, (err: unknown, res: any) => {
            if (!err) {
                const raw = pulumi.runtime.deserializeProperties(req.getObject());
                const propertyDependenciesMock: Record<string, string[]> = {};
                req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
                    propertyDependenciesMock[key] = deps.getUrnsList();
                });
                registrations.push({
                    mockUrn: res.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    parentMockUrn: req.getParent(),
                    inputs: raw,
                    // A secret anywhere inside an input (one list element, one map value) makes
                    // the engine show the whole input as secret.
                    secretInputs: Object.keys(raw).filter((k) => containsSecret(raw[k])),
                    options: {
                        protect: req.getProtect() || undefined,
                        retainOnDelete: req.getRetainondelete() || undefined,
                        deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
                        replaceOnChanges: req.getReplaceonchangesList(),
                        ignoreChanges: req.getIgnorechangesList(),
                        dependsOnMock: req.getDependenciesList(),
                        propertyDependenciesMock,
                        aliases: [...req.getAliasurnsList(), ...req.getAliasesList().map((a: any) => (typeof a === "string" ? a : JSON.stringify(a.toObject())))],
                    },
                });
            }
            inFlight--;
            callback(err, res);
        });
    };
    const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: unknown, res: any) => void) => {
        const outputs = pulumi.runtime.deserializeProperties(req.getOutputs());
        if (req.getUrn().split("::")[2] === STACK_TYPE) {
            stackOutputs = outputs;
        }
        return registerResourceOutputs(req, callback);
    };

    await pulumi.runtime.runInPulumiStack(async () => require(path.resolve(projectDir, programPath)));
    // Registrations started by applies may still be on their way: wait until none is.
    for (let quiet = 0; quiet < 10; ) {
        await new Promise((r) => setImmediate(r));
        quiet = inFlight === 0 ? quiet + 1 : 0;
    }

    // Pulumi's URN: the chain of ancestor types (without the Stack) joined by "$".
    const qualified = new Map<string, { urn: string; qualifiedType: string }>();
    const ordered = [...registrations];
    const resources: PlanResource[] = [];
    const secretInputs = new Map<string, string[]>();
    const rawOptions = new Map<string, RawOptions>();
    while (ordered.length > 0) {
        const index = ordered.findIndex((r) => !r.parentMockUrn || qualified.has(r.parentMockUrn));
        if (index < 0) {
            throw new Error(`resources whose parent never registered: ${ordered.map((r) => r.name).join(", ")}`);
        }
        const r = ordered.splice(index, 1)[0];
        const parent = r.parentMockUrn ? qualified.get(r.parentMockUrn)! : undefined;
        const parentIsStack = !parent || parent.qualifiedType === STACK_TYPE;
        const qualifiedType = parentIsStack ? r.type : `${parent.qualifiedType}$${r.type}`;
        const urn = `urn:pulumi:${stack}::${project}::${qualifiedType}::${r.name}`;
        qualified.set(r.mockUrn, { urn, qualifiedType });
        resources.push({
            urn,
            type: r.type,
            name: r.name,
            parent: parent ? parent.urn : null,
            inputs: unwrap(r.inputs) as Record<string, unknown>,
            options: {},
        });
        rawOptions.set(urn, r.options);
        secretInputs.set(urn, r.secretInputs);
    }
    const urnOf = (mockUrn: string) => qualified.get(mockUrn)?.urn ?? mockUrn;
    for (const resource of resources) {
        const o = rawOptions.get(resource.urn)!;
        const options: PlanOptions = {};
        if (o.protect) options.protect = true;
        if (o.retainOnDelete) options.retainOnDelete = true;
        if (o.deleteBeforeReplace !== undefined) options.deleteBeforeReplace = o.deleteBeforeReplace;
        if (o.replaceOnChanges.length) options.replaceOnChanges = [...o.replaceOnChanges].sort();
        if (o.ignoreChanges.length) options.ignoreChanges = [...o.ignoreChanges].sort();
        if (o.dependsOnMock.length) options.dependsOn = [...new Set(o.dependsOnMock.map(urnOf))].sort();
        if (o.aliases.length) options.aliases = [...o.aliases].sort();
        resource.options = options;
        const propertyDependencies: Record<string, string[]> = {};
        for (const key of Object.keys(o.propertyDependenciesMock).sort()) {
            const urns = [...new Set(o.propertyDependenciesMock[key].map(urnOf))].sort();
            if (urns.length) propertyDependencies[key] = urns;
        }
        if (Object.keys(propertyDependencies).length) resource.propertyDependencies = propertyDependencies;
    }
    resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    const secretOutputs = Object.keys(stackOutputs).filter((k) => containsSecret(stackOutputs[k]));
    return {
        plan: { project, stack, resources, outputs: unwrap(stackOutputs) as Record<string, unknown> },
        secretValues: [...secretValues],
        secretInputs,
        secretOutputs,
    };
}
