import * as fs from "fs";
import * as path from "path";
import { renderReadme } from "../../tools/docs/readme";

const root = path.resolve(__dirname, "../..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

it("README's configuration and API tables match Pulumi.yaml and the components (npm run docs refreshes them)", () => {
    expect(readme).toBe(renderReadme(readme));
});

it("README gives the install, deploy, render and test commands, and they exist", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    expect(readme).toContain("npm ci");
    expect(readme).toMatch(/pulumi stack select --create dev && pulumi up/);
    expect(readme).toContain("npm run plan -- --stack dev");
    expect(readme).toContain("npm test");
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(["test", "plan", "docs"]));
    const ci = fs.readFileSync(path.join(root, ".ci/run"), "utf8");
    expect(ci).toMatch(/npm test/);
});
