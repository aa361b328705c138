// The Pulumi package schema that other languages get from this component package, inferred the way
// the Pulumi CLI's plugin host infers it (without the CLI): load the package's entry point as
// package.json "main" names it, collect the ComponentResource classes it exports, and let
// @pulumi/pulumi's ComponentProvider analyze their TypeScript sources.
//
// `npm run schema` rewrites schema.json; tests/package/schema.test.ts fails while it is stale, so a
// change to the components' arguments or outputs shows in a pull request's diff.
import * as fs from "fs";
import * as path from "path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";

export const ROOT = path.resolve(__dirname, "../..");
export const SCHEMA_FILE = path.join(ROOT, "schema.json");

/** The provider name the plugin host derives from package.json's name (scope dropped), as in @pulumi/pulumi's run-plugin. */
export function providerName(packageName: string): string {
    const match = /(@.*?\/)?(.+)/.exec(packageName);
    if (!match) {
        throw new Error(`package.json's name "${packageName}" is not a package name`);
    }
    return match[2].replace(/[^-a-zA-Z0-9_]/g, "-");
}

/** The component classes the package's entry point exports, as the plugin host finds them. */
export function packageComponents(): ReturnType<typeof getPulumiComponents> {
    return getPulumiComponents(require(ROOT));
}

export function componentProvider(): ComponentProvider {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    return new ComponentProvider({ components: packageComponents(), dirname: ROOT, name: providerName(pkg.name) });
}

/** The inferred schema as schema.json holds it. */
export async function renderSchema(): Promise<string> {
    const schema = JSON.parse(await componentProvider().getSchema());
    return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
    renderSchema().then(
        (text) => {
            fs.writeFileSync(SCHEMA_FILE, text);
            console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
        },
        (err) => {
            console.error(err);
            process.exit(1);
        },
    );
}
