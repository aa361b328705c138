import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import { containsSecret, unwrapSecrets } from "../../tools/plan/wireSecrets";

/** A resource as the mock engine saw it. */
export interface DeclaredResource {
    readonly type: string;
    readonly name: string;
    /** Inputs with secrets unwrapped. */
    readonly inputs: Record<string, any>;
    /** Top-level input names whose value holds a secret anywhere (the engine then hides the whole property). */
    readonly secretInputs: string[];
    /** The provider reference the engine received (`urn::id`), when one was set explicitly or inherited. */
    readonly provider?: string;
}

/**
 * Installs Pulumi's mocks with realistic computed outputs and records every resource declared.
 * Must run before any resource is created (in a beforeAll of the test file).
 */
export async function installMocks(stack = "test", options: { generatedPassword?: string } = {}): Promise<DeclaredResource[]> {
    const declared: DeclaredResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                declared.push({
                    type: args.type,
                    name: args.name,
                    inputs: unwrapSecrets(args.inputs) as Record<string, any>,
                    secretInputs: Object.keys(args.inputs).filter((k) => containsSecret(args.inputs[k])),
                    provider: args.provider,
                });
                switch (args.type) {
                    case "random:index/randomPassword:RandomPassword":
                        return {
                            id: `${args.name}-id`,
                            state: { ...args.inputs, result: options.generatedPassword ?? `generated${args.name.replace(/[^A-Za-z0-9]/g, "")}` },
                        };
                    case "docker:index/remoteImage:RemoteImage":
                        return { id: `sha256:image-${args.inputs.name}`, state: { ...args.inputs, imageId: `sha256:image-${args.inputs.name}` } };
                    default:
                        return { id: `${args.name}-id`, state: args.inputs };
                }
            },
            call: (args) => args.inputs,
        },
        "openwebui-valkey",
        stack,
        false,
    );
    return declared;
}

/** Resolves an Output, with its secretness (an assertion inside an un-awaited apply would never run). */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((res) => output.apply((v) => res(v)));
}

export async function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/** Waits until the mock engine has seen every registration queued so far. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 20; i++) {
        await new Promise((r) => setImmediate(r));
    }
}

export function findResource(declared: DeclaredResource[], type: string, name: string): DeclaredResource {
    const found = declared.find((r) => r.type === type && r.name === name);
    if (!found) {
        throw new Error(`no ${type} named ${name} among: ${declared.map((r) => `${r.type}/${r.name}`).join(", ")}`);
    }
    return found;
}

/** What a POSIX shell's `set -a; . file` exports from an env file: the file is really sourced. */
export function sourceEnvFile(content: string): Record<string, string> {
    const script = 'f=$(mktemp); printf "%s" "$1" > "$f"; env -i sh -c \'set -a; . "$1"; set +a; rm -f "$1"; env -0\' sh "$f"';
    const out = execFileSync("sh", ["-c", script, "sh", content], { encoding: "utf8" });
    const env: Record<string, string> = {};
    for (const entry of out.split("\0").filter(Boolean)) {
        const eq = entry.indexOf("=");
        env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    for (const shellOwn of ["PWD", "OLDPWD", "SHLVL", "_"]) delete env[shellOwn];
    return env;
}
