import * as pulumi from "@pulumi/pulumi";
import { SettingError } from "./settingError";

// Docker refuses a second container of the same name on one engine, but only at create time, after
// other resources of the deployment exist. Components of one program claim their container names
// here first, so that a clash fails before any resource, naming both owners.

type Owners = Map<unknown, Map<string, string>>;
/** Per deployment (the engine's monitor): a process that runs several deployments, as tests do, keeps them apart. */
const claims = new WeakMap<object, Owners>();
const outsideDeployment: Owners = new Map();

/** The Docker provider a component's children use: names clash only on the same engine. */
function dockerProvider(opts: pulumi.ComponentResourceOptions | undefined): unknown {
    if (opts === undefined) return undefined;
    if (opts.provider !== undefined) return opts.provider;
    const providers = opts.providers;
    if (Array.isArray(providers)) return providers.find((p) => (p as unknown as { getPackage?: () => string }).getPackage?.() === "docker");
    return (providers as Record<string, pulumi.ProviderResource> | undefined)?.["docker"];
}

export function claimContainerName(containerName: string, owner: string, opts: pulumi.ComponentResourceOptions | undefined): void {
    const monitor = pulumi.runtime.getMonitor() as object | undefined;
    let owners = monitor ? claims.get(monitor) : outsideDeployment;
    if (owners === undefined) {
        owners = new Map();
        claims.set(monitor as object, owners);
    }
    const engine = dockerProvider(opts);
    const names = owners.get(engine) ?? new Map<string, string>();
    owners.set(engine, names);
    const holder = names.get(containerName);
    if (holder !== undefined) {
        throw new SettingError(
            "containerName",
            containerName,
            `${holder} already runs a container of that name on the same Docker engine, and Docker would refuse the second one after the rest of the deployment was made`,
            "give one of them another containerName",
        );
    }
    names.set(containerName, owner);
}
