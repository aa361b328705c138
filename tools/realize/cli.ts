// Command line of the realizer.
//
//   tsx tools/realize/cli.ts plan.json --image <upstream>=<local> ... [--label L]
//       creates what plan.json declares and leaves it running; prints URN → Docker id as JSON
//   tsx tools/realize/cli.ts plan.json --label L --destroy
//       removes everything labelled openwebui-valkey.test-run=L (the plan is still checked)
//   tsx tools/realize/cli.ts plan.json --image ... --roundtrip
//       creates, then destroys at once (a smoke check of a plan)
//
// Errors are one line on stderr and a non-zero exit status.

import { readFileSync } from "node:fs";
import Dockerode from "dockerode";

import { parsePlan } from "./plan";
import { realize, removeByLabel } from "./realizer";

const USAGE =
    "usage: cli.ts <plan.json> [--image <upstream>=<local>]... [--label <run label>] [--destroy | --roundtrip] [--verbose]";

interface Arguments {
    planPath: string;
    imageMap: Record<string, string>;
    label: string | undefined;
    destroy: boolean;
    roundtrip: boolean;
    verbose: boolean;
}

class UsageError extends Error {}

export function parseArguments(argv: readonly string[]): Arguments {
    const args: Arguments = { planPath: "", imageMap: {}, label: undefined, destroy: false, roundtrip: false, verbose: false };
    const value = (i: number, flag: string): string => {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value; ${USAGE}`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i] as string;
        if (arg === "--image") {
            const pair = value(i++, "--image");
            const eq = pair.indexOf("=");
            if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--image takes <upstream>=<local>, not "${pair}"`);
            const upstream = pair.slice(0, eq);
            if (upstream in args.imageMap) throw new UsageError(`--image maps "${upstream}" twice`);
            args.imageMap[upstream] = pair.slice(eq + 1);
        } else if (arg === "--label") {
            args.label = value(i++, "--label");
        } else if (arg === "--destroy") {
            args.destroy = true;
        } else if (arg === "--roundtrip") {
            args.roundtrip = true;
        } else if (arg === "--verbose") {
            args.verbose = true;
        } else if (arg === "--help" || arg === "-h") {
            throw new UsageError(USAGE);
        } else if (arg.startsWith("--")) {
            throw new UsageError(`unknown option ${arg}; ${USAGE}`);
        } else if (args.planPath === "") {
            args.planPath = arg;
        } else {
            throw new UsageError(`one plan file only; ${USAGE}`);
        }
    }
    if (args.planPath === "") throw new UsageError(USAGE);
    if (args.destroy && args.roundtrip) throw new UsageError("--destroy and --roundtrip exclude each other");
    if (args.destroy && args.label === undefined) throw new UsageError("--destroy needs --label: it removes what carries that run label");
    return args;
}

function readPlan(path: string): unknown {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (e) {
        throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new Error(`${path} is not JSON: ${(e as Error).message}`);
    }
}

async function main(argv: readonly string[]): Promise<void> {
    const args = parseArguments(argv);
    const plan = parsePlan(readPlan(args.planPath));
    const docker = new Dockerode();
    if (args.destroy) {
        const removed = await removeByLabel(docker, args.label as string);
        process.stdout.write(`${JSON.stringify({ label: args.label, removed })}\n`);
        return;
    }
    const label = args.label ?? `cli-${new Date().toISOString().replace(/[-:.TZ]/g, "")}`;
    const log = args.verbose ? (line: string): void => void process.stderr.write(`${line}\n`) : undefined;
    const realization = await realize(plan, { docker, imageMap: args.imageMap, runLabel: label, ...(log ? { log } : {}) });
    process.stdout.write(`${JSON.stringify({ label, resources: realization.resources, adoptedVolumes: realization.adoptedVolumes }, null, 2)}\n`);
    if (args.roundtrip) {
        await realization.destroy();
        process.stdout.write(`${JSON.stringify({ label, destroyed: true })}\n`);
    }
}

function oneLine(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return text.replace(/\s*\n\s*/g, " | ");
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        () => process.exit(0),
        (error: unknown) => {
            process.stderr.write(`realize: ${oneLine(error)}\n`);
            process.exit(error instanceof UsageError ? 2 : 1);
        },
    );
}
