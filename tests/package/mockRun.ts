// Runs a consumer's Pulumi program under the SDK's in-process mocks and writes what it declared to a
// JSON file. The package test copies this file into the consumer's directory and runs it there
// (`node --import tsx mockRun.ts <spec.json> <result.json>`), so "@pulumi/pulumi" below is the
// consumer's own copy: the one the installed package must share as its peer dependency.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** What the test asks for. */
export interface MockRunSpec {
    /** The program's directory (its Pulumi.yaml, package.json and node_modules). */
    programDir: string;
    /** The program file, relative to programDir. */
    main: string;
    project: string;
    stack: string;
    /** Config by full key (`project:key`), as strings, as the CLI hands them over. */
    config: Record<string, string>;
    /** Full keys whose values are secret. */
    secretKeys: string[];
    /** An npm package installed in programDir to inspect (its entry point and export boundary). */
    packageName: string;
}

export interface DeclaredResource {
    type: string;
    name: string;
    /** Inputs with secrets unwrapped. */
    inputs: Record<string, any>;
    /** Top-level input names the engine received marked secret. */
    secretInputs: string[];
}

export interface MockRunResult {
    resources: DeclaredResource[];
    /** The stack's outputs, secrets unwrapped. */
    outputs: Record<string, unknown>;
    /** Every file loaded as @pulumi/pulumi's entry point: one, or the package brought its own copy. */
    pulumiSdkEntries: string[];
    /** Names exported by the package as Node loads it from its directory (package.json "main"). */
    mainExports: string[];
    /** Names exported by the package as an import of its name loads it (package.json "exports"). */
    importExports: string[];
    /** The error code Node gives for a deep import into the package's internals. */
    deepImportError: string | undefined;
}

// How the engine's wire format marks a secret: { [SIG_KEY]: SECRET_SIG, value }. Repeated from
// tools/plan/wireSecrets.ts on purpose: this file runs alone inside a copy of an example, as a
// consumer's program would, with nothing of this repository beside it.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretValue(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A secret anywhere inside: the engine then shows the whole top-level property as secret. */
function holdsSecret(v: unknown): boolean {
    if (isSecretValue(v)) return true;
    if (Array.isArray(v)) return v.some(holdsSecret);
    if (typeof v === "object" && v !== null) return Object.values(v).some(holdsSecret);
    return false;
}

function unwrap(v: unknown): unknown {
    if (isSecretValue(v)) {
        return unwrap(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrap);
    }
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

export async function mockRun(spec: MockRunSpec): Promise<MockRunResult> {
    const resources: DeclaredResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                resources.push({
                    type: args.type,
                    name: args.name,
                    inputs: unwrap(args.inputs) as Record<string, any>,
                    secretInputs: Object.keys(args.inputs).filter((k) => holdsSecret(args.inputs[k])),
                });
                const inputs = unwrap(args.inputs) as Record<string, any>;
                switch (args.type) {
                    case "random:index/randomPassword:RandomPassword":
                        return { id: `${args.name}-id`, state: { ...inputs, result: `generated${args.name.replace(/[^A-Za-z0-9]/g, "")}` } };
                    case "docker:index/remoteImage:RemoteImage":
                        return { id: `sha256:${args.name}`, state: { ...inputs, imageId: `sha256:${args.name}` } };
                    default:
                        return { id: `${args.name}-id`, state: inputs };
                }
            },
            call: (args) => args.inputs,
        },
        spec.project,
        spec.stack,
        false,
    );
    pulumi.runtime.setAllConfig(spec.config, spec.secretKeys);

    // Count registrations still on their way (those started by applies arrive late), and read the
    // stack's outputs off the Stack's registerResourceOutputs.
    const monitor = pulumi.runtime.getMonitor() as any;
    let inFlight = 0;
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: unknown, callback: (err: unknown, res: unknown) => void) => {
        inFlight++;
        return registerResource(req, (err: unknown, res: unknown) => {
            inFlight--;
            callback(err, res);
        });
    };
    let outputs: Record<string, unknown> = {};
    const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: (err: unknown, res: unknown) => void) => {
        if (req.getUrn().split("::")[2] === "pulumi:pulumi:Stack") {
            outputs = unwrap(pulumi.runtime.deserializeProperties(req.getOutputs())) as Record<string, unknown>;
        }
        return registerResourceOutputs(req, callback);
    };

    const program = path.resolve(spec.programDir, spec.main);
    await pulumi.runtime.runInPulumiStack(async () => require(program));
    for (let quiet = 0; quiet < 10; ) {
        await new Promise((r) => setImmediate(r));
        quiet = inFlight === 0 ? quiet + 1 : 0;
    }

    const packageDir = path.join(spec.programDir, "node_modules", spec.packageName);
    let deepImportError: string | undefined;
    try {
        require(`${spec.packageName}/components/redisUrl`);
    } catch (e) {
        deepImportError = (e as NodeJS.ErrnoException).code;
    }
    return {
        resources,
        outputs,
        pulumiSdkEntries: Object.keys(require.cache)
            .filter((f) => /[\\/]@pulumi[\\/]pulumi[\\/]index\.js$/.test(f))
            .sort(),
        // What Pulumi's plugin host does with a component package: require its directory.
        mainExports: Object.keys(require(packageDir)).sort(),
        importExports: Object.keys(require(spec.packageName)).sort(),
        deepImportError,
    };
}

if (require.main === module) {
    const [specFile, resultFile] = process.argv.slice(2);
    const spec = JSON.parse(fs.readFileSync(specFile, "utf8")) as MockRunSpec;
    mockRun(spec).then(
        (result) => fs.writeFileSync(resultFile, JSON.stringify(result, null, 2)),
        (err) => {
            console.error(err);
            process.exit(1);
        },
    );
}
