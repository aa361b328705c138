// A minimal POSIX ustar writer: enough to copy declared files into a container through
// PUT /containers/{id}/archive, as the provider does for `uploads`.

export interface TarEntry {
    /** Path inside the archive; a leading "/" is dropped (the archive is extracted at "/"). */
    path: string;
    content: Buffer;
    mode: number;
    uid?: number;
    gid?: number;
    mtimeSeconds?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
    // width includes the terminating NUL
    const text = value.toString(8);
    if (text.length > width - 1) throw new Error(`tar: ${value} does not fit in ${width - 1} octal digits`);
    return text.padStart(width - 1, "0") + "\0";
}

function splitPath(path: string): { name: string; prefix: string } {
    if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" };
    for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
        const prefix = path.slice(0, i);
        const name = path.slice(i + 1);
        if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") return { name, prefix };
    }
    throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(entry: TarEntry): Buffer {
    const block = Buffer.alloc(BLOCK, 0);
    const { name, prefix } = splitPath(entry.path.replace(/^\/+/, ""));
    if (name === "") throw new Error("tar: empty file name");
    block.write(name, 0, 100, "utf8");
    block.write(octal(entry.mode & 0o7777, 8), 100, 8, "ascii");
    block.write(octal(entry.uid ?? 0, 8), 108, 8, "ascii");
    block.write(octal(entry.gid ?? 0, 8), 116, 8, "ascii");
    block.write(octal(entry.content.length, 12), 124, 12, "ascii");
    block.write(octal(entry.mtimeSeconds ?? Math.floor(Date.now() / 1000), 12), 136, 12, "ascii");
    block.write("        ", 148, 8, "ascii"); // checksum field counts as spaces while summing
    block.write("0", 156, 1, "ascii"); // regular file
    block.write("ustar\0", 257, 6, "ascii");
    block.write("00", 263, 2, "ascii");
    block.write(prefix, 345, 155, "utf8");
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
    return block;
}

/** A tar archive of regular files. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
    const parts: Buffer[] = [];
    for (const entry of entries) {
        parts.push(header(entry), entry.content);
        const pad = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
        if (pad > 0) parts.push(Buffer.alloc(pad, 0));
    }
    parts.push(Buffer.alloc(BLOCK * 2, 0));
    return Buffer.concat(parts);
}
