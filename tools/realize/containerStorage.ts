// Container storage: volumes (binds, anonymous volumes, volumes-from), mounts, tmpfs, storage
// options, and the files uploaded before start. Part of containerCreateOptions; split out because
// volumes and mounts carry most of the provider's special cases.

import type Dockerode from "dockerode";

import type { ContainerMapping, UploadSpec, VolumeReference } from "./containerMapping";
import { FieldReader, numericId, parseMode } from "./fieldReader";
import { BIND_OPTIONS_KEYS, MOUNT_KEYS, TMPFS_OPTIONS_KEYS, UPLOAD_KEYS, VOLUME_KEYS, VOLUME_OPTIONS_KEYS } from "./fieldTables";

const MOUNT_TYPES = ["bind", "volume", "tmpfs", "image", "npipe", "cluster"] as const;
const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"] as const;

type VolumeOptions = NonNullable<Dockerode.MountSettings["VolumeOptions"]>;
type TmpfsOptions = NonNullable<Dockerode.MountSettings["TmpfsOptions"]>;

/** Maps volumes, mounts, tmpfs and storageOpts; returns the named volumes they refer to (volumes first). */
export function mapStorage(c: ContainerMapping): VolumeReference[] {
    const { r, inputs, hostConfig } = c;
    const volumeReferences: VolumeReference[] = [];
    mapVolumes(c, volumeReferences);
    const mounts = r.objects(inputs["mounts"], "mounts", MOUNT_KEYS);
    if (mounts !== undefined) {
        hostConfig.Mounts = mounts.map((m, i) => mountSettings(c, m, `mounts[${i}]`, volumeReferences));
    }
    const tmpfs = r.stringMap(inputs["tmpfs"], "tmpfs");
    if (tmpfs !== undefined) hostConfig.Tmpfs = tmpfs;
    const storageOpts = r.stringMap(inputs["storageOpts"], "storageOpts");
    if (storageOpts !== undefined) hostConfig.StorageOpt = storageOpts;
    return volumeReferences;
}

// ---------------------------------------------------------------------------------------------
// volumes → HostConfig.Binds, Config.Volumes, HostConfig.VolumesFrom

interface VolumeTargets {
    configVolumes: Record<string, Record<string, never>>;
    binds: string[];
    volumesFrom: string[];
    references: VolumeReference[];
}

function mapVolumes(c: ContainerMapping, references: VolumeReference[]): void {
    const { r, inputs, options, hostConfig } = c;
    const volumes = r.objects(inputs["volumes"], "volumes", VOLUME_KEYS);
    if (volumes === undefined || volumes.length === 0) return;
    const targets: VolumeTargets = { configVolumes: {}, binds: [], volumesFrom: [], references };
    volumes.forEach((v, i) => addVolume(r, v, `volumes[${i}]`, targets));
    if (Object.keys(targets.configVolumes).length > 0) options.Volumes = targets.configVolumes;
    if (targets.binds.length > 0) hostConfig.Binds = targets.binds;
    if (targets.volumesFrom.length > 0) hostConfig.VolumesFrom = targets.volumesFrom;
}

/** One volume entry, refused where the provider would silently ignore part of it. */
function addVolume(r: FieldReader, v: Record<string, unknown>, path: string, targets: VolumeTargets): void {
    const containerPath = r.string(v["containerPath"], `${path}.containerPath`) ?? "";
    const fromContainer = r.string(v["fromContainer"], `${path}.fromContainer`) ?? "";
    const hostPath = r.string(v["hostPath"], `${path}.hostPath`) ?? "";
    const volumeName = r.string(v["volumeName"], `${path}.volumeName`) ?? "";
    const readOnly = r.boolean(v["readOnly"], `${path}.readOnly`);
    const relabel = r.oneOf(v["selinuxRelabel"], `${path}.selinuxRelabel`, ["z", "Z"] as const);
    if (fromContainer !== "" && containerPath !== "") r.fail(path, "names both a container and a path");
    if (fromContainer === "" && containerPath === "") r.fail(path, "has neither containerPath nor fromContainer");
    if (fromContainer !== "") {
        if (readOnly !== undefined || relabel !== undefined || hostPath !== "" || volumeName !== "") {
            r.fail(path, "combines fromContainer with other settings, which the provider ignores");
        }
        targets.volumesFrom.push(fromContainer);
        return;
    }
    targets.configVolumes[containerPath] = {};
    const source = hostPath !== "" ? hostPath : volumeName; // hostPath takes precedence
    if (source === "") {
        if (readOnly !== undefined || relabel !== undefined) {
            r.fail(path, "sets readOnly/selinuxRelabel on an anonymous volume, which the provider ignores");
        }
        return;
    }
    const mode = (readOnly === true ? "ro" : "rw") + (relabel !== undefined ? `,${relabel}` : "");
    targets.binds.push(`${source}:${containerPath}:${mode}`);
    if (hostPath === "") targets.references.push({ name: volumeName });
}

// ---------------------------------------------------------------------------------------------
// mounts → HostConfig.Mounts

function mountSettings(
    c: ContainerMapping,
    m: Record<string, unknown>,
    path: string,
    references: VolumeReference[],
): Dockerode.MountSettings {
    const { r } = c;
    const type = r.oneOf(m["type"], `${path}.type`, MOUNT_TYPES);
    if (type === undefined) r.fail(`${path}.type`, "is required");
    const target = r.requiredString(m["target"], `${path}.target`);
    const source = r.string(m["source"], `${path}.source`) ?? "";
    const mount: Dockerode.MountSettings = { Type: type as Dockerode.MountType, Target: target, Source: source };
    const readOnly = r.boolean(m["readOnly"], `${path}.readOnly`);
    if (readOnly !== undefined) mount.ReadOnly = readOnly;
    // The provider reads each options block only for its own type; refuse rather than drop.
    const mismatch = (key: string, kind: string): void => {
        if (m[key] !== undefined && type !== kind) r.fail(`${path}.${key}`, `applies to type '${kind}' only; the provider ignores it for '${type}'`);
    };
    mismatch("bindOptions", "bind");
    mismatch("volumeOptions", "volume");
    mismatch("tmpfsOptions", "tmpfs");
    if (m["bindOptions"] !== undefined) {
        const b = r.object(m["bindOptions"], `${path}.bindOptions`, BIND_OPTIONS_KEYS);
        const propagation = r.oneOf(b["propagation"], `${path}.bindOptions.propagation`, PROPAGATIONS);
        if (propagation !== undefined) mount.BindOptions = { Propagation: propagation };
    }
    if (m["volumeOptions"] !== undefined) {
        mount.VolumeOptions = mountVolumeOptions(c, m["volumeOptions"], `${path}.volumeOptions`, source, references);
    } else if (type === "volume" && source !== "") {
        references.push({ name: source });
    }
    if (m["tmpfsOptions"] !== undefined) mount.TmpfsOptions = mountTmpfsOptions(r, m["tmpfsOptions"], `${path}.tmpfsOptions`);
    return mount;
}

/** A volume mount's options; a named source is referenced with the driver and labels to create it with. */
function mountVolumeOptions(
    c: ContainerMapping,
    value: unknown,
    path: string,
    source: string,
    references: VolumeReference[],
): VolumeOptions {
    const { r } = c;
    const vo = r.object(value, path, VOLUME_OPTIONS_KEYS);
    const volumeOptions: Partial<VolumeOptions> = {};
    const noCopy = r.boolean(vo["noCopy"], `${path}.noCopy`);
    if (noCopy !== undefined) volumeOptions.NoCopy = noCopy;
    const labels = r.labels(vo["labels"], `${path}.labels`);
    if (labels !== undefined) volumeOptions.Labels = labels;
    const driverName = r.string(vo["driverName"], `${path}.driverName`);
    const driverOptions = r.stringMap(vo["driverOptions"], `${path}.driverOptions`);
    if (driverName !== undefined || driverOptions !== undefined) {
        volumeOptions.DriverConfig = { Name: driverName ?? "", Options: driverOptions ?? {} };
    }
    const subpath = r.string(vo["subpath"], `${path}.subpath`);
    if (subpath !== undefined) {
        volumeOptions.Subpath = subpath;
        c.requireApi("1.45");
    }
    if (source !== "") {
        const reference: VolumeReference = { name: source };
        if (driverName !== undefined) reference.driver = driverName;
        if (driverOptions !== undefined) reference.driverOpts = driverOptions;
        if (labels !== undefined) reference.labels = labels;
        references.push(reference);
    }
    return volumeOptions as VolumeOptions;
}

function mountTmpfsOptions(r: FieldReader, value: unknown, path: string): TmpfsOptions {
    const t = r.object(value, path, TMPFS_OPTIONS_KEYS);
    const tmpfs: Partial<TmpfsOptions> = {};
    const sizeBytes = r.integer(t["sizeBytes"], `${path}.sizeBytes`, 0);
    if (sizeBytes !== undefined) tmpfs.SizeBytes = sizeBytes;
    const mode = r.integer(t["mode"], `${path}.mode`, 0);
    if (mode !== undefined) tmpfs.Mode = mode;
    return tmpfs as TmpfsOptions;
}

// ---------------------------------------------------------------------------------------------
// uploads, copied in after create and before start

export function uploadSpecs(c: ContainerMapping): UploadSpec[] {
    const uploadItems = c.r.objects(c.inputs["uploads"], "uploads", UPLOAD_KEYS);
    return (uploadItems ?? []).map((u, i) => uploadSpec(c.r, u, `uploads[${i}]`));
}

/**
 * One `upload` block as resourceDockerContainerCreate sends it
 * (internal/provider/resource_docker_container_funcs.go @ a154e9ceb16a78dc882da7729df123d99300b7c4):
 * exactly one of content / content_base64 / source; the mode from `permissions` parsed as octal
 * (strconv.ParseInt(permission, 8, 32)), else 0744 with `executable`, else 0644; one tar per file,
 * sent with CopyToContainer(ctx, id, "/", ..., CopyToContainerOptions{}) between create and start.
 * Those options leave copyUIDGID off, so the engine keeps the tar header's uid and gid
 * (moby daemon/archive.go containerExtractToDir only applies the container's user with copyUIDGID),
 * and creates missing parent directories as root, mode 0755 (/run/postgres, say).
 *
 * `owner` and `group` are newer than that revision, which writes no Uid/Gid (so root, 0:0); the
 * installed @pulumi/docker 5.2.0 has them (types/input.d.ts ContainerUpload: "Names are resolved
 * using the Terraform host's user database; numeric IDs can be used directly"), i.e. the header's
 * Uid/Gid. Only numeric ids are taken here: a name would be looked up on the machine running the
 * deployment, whose ids need not be the container's.
 */
function uploadSpec(r: FieldReader, u: Record<string, unknown>, path: string): UploadSpec {
    const file = r.requiredString(u["file"], `${path}.file`);
    const content = r.string(u["content"], `${path}.content`);
    const contentBase64 = r.string(u["contentBase64"], `${path}.contentBase64`);
    const source = r.string(u["source"], `${path}.source`);
    r.string(u["sourceHash"], `${path}.sourceHash`); // a replacement trigger only
    const given = [content, contentBase64, source].filter((v) => v !== undefined && v !== "").length;
    if (given === 0) r.fail(path, "needs one of content, contentBase64 or source");
    if (given > 1) r.fail(path, "may set only one of content, contentBase64 or source");
    const executable = r.boolean(u["executable"], `${path}.executable`) ?? false;
    const permissions = r.string(u["permissions"], `${path}.permissions`);
    const spec: UploadSpec = {
        file,
        mode: permissions !== undefined ? parseMode(permissions, r, `${path}.permissions`) : executable ? 0o744 : 0o644,
    };
    if (content !== undefined && content !== "") spec.content = Buffer.from(content, "utf8");
    if (contentBase64 !== undefined && contentBase64 !== "") spec.content = Buffer.from(contentBase64, "base64");
    if (source !== undefined && source !== "") spec.sourcePath = source;
    const uid = numericId(r.string(u["owner"], `${path}.owner`), r, `${path}.owner`);
    if (uid !== undefined) spec.uid = uid;
    const gid = numericId(r.string(u["group"], `${path}.group`), r, `${path}.group`);
    if (gid !== undefined) spec.gid = gid;
    return spec;
}
