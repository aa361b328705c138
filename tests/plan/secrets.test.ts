// Secret properties in the plan, as `pulumi preview` shows them: a top-level input (or stack
// output) with anything secret inside it is `[secret]` as a whole; everything else stays readable,
// and a known secret value that reaches an unmarked property is still masked where it occurs.
import { diffPlans, formatDiff } from "../../tools/plan/diff";
import type { Evaluation, Plan } from "../../tools/plan/evaluate";
import { SECRET_MARK, finalPlan, planJson, planText } from "../../tools/plan/render";
import { secretPlaceholder } from "../../tools/plan/stackFiles";
import { SECRET_SIG, SECRET_SIG_VALUE, containsSecret } from "../../tools/plan/wireSecrets";
import { removeScratchProjects, renderPlan, resource, runPlan, scratchProject, ENCRYPTED_STAGING_STACK } from "../helpers/planCli";

const CONTAINER = "docker:index/container:Container";
const URN = `urn:pulumi:t::p::${CONTAINER}::app`;
const PASSWORD = "pa/ss:w@rd-0123456789";
afterAll(removeScratchProjects);

const wireSecret = (value: unknown) => ({ [SECRET_SIG]: SECRET_SIG_VALUE, value });

/** What evaluate() yields for a container whose `envs` and `labels` carry the password. */
function evaluation(options: { envs?: string[]; password?: string } = {}): Evaluation {
    const password = options.password ?? PASSWORD;
    return {
        plan: {
            project: "p",
            stack: "t",
            resources: [
                {
                    urn: URN,
                    type: CONTAINER,
                    name: "app",
                    parent: null,
                    inputs: {
                        name: "app",
                        memory: 64,
                        envs: options.envs ?? ["WORKERS=1", `PASSWORD=${password}`],
                        labels: { team: "cache", token: password },
                        // Not marked: the safety net must still hide the password here.
                        command: ["valkey-server", "--requirepass", password, `--url=redis://:${encodeURIComponent(password)}@valkey`],
                    },
                    options: {},
                },
            ],
            outputs: { url: `redis://:${encodeURIComponent(password)}@valkey:6379/0`, host: "valkey", leaked: `pw=${password}` },
        },
        secretValues: [password],
        secretInputs: new Map([[URN, ["envs", "labels"]]]),
        secretOutputs: ["url"],
    };
}

const app = (plan: Plan) => plan.resources[0];

describe("which inputs are secret", () => {
    it("marks a property secret when one list element or one nested map value is", () => {
        expect(containsSecret(["WORKERS=1", wireSecret("PASSWORD=x")])).toBe(true);
        expect(containsSecret({ team: "cache", token: wireSecret("x") })).toBe(true);
        expect(containsSecret([{ file: "/run/secrets.env", content: wireSecret("x") }])).toBe(true);
        expect(containsSecret(wireSecret("x"))).toBe(true);
        expect(containsSecret(["WORKERS=1", { team: "cache" }, 3, null])).toBe(false);
    });
});

describe("rendering", () => {
    const masked = finalPlan(evaluation(), false);

    it("shows a list with one secret element, and a map with one secret value, wholly as [secret]", () => {
        expect(app(masked).inputs.envs).toBe(SECRET_MARK);
        expect(app(masked).inputs.labels).toBe(SECRET_MARK);
    });

    it("keeps properties without a secret readable", () => {
        expect(app(masked).inputs.name).toBe("app");
        expect(app(masked).inputs.memory).toBe(64);
        expect(masked.outputs.host).toBe("valkey");
    });

    it("still masks a known secret value that reaches an unmarked property, in every form", () => {
        expect(app(masked).inputs.command).toEqual(["valkey-server", "--requirepass", SECRET_MARK, `--url=redis://:${SECRET_MARK}@valkey`]);
        expect(masked.outputs.leaked).toBe(`pw=${SECRET_MARK}`);
        expect(masked.outputs.url).toBe(SECRET_MARK);
    });

    it("prints no secret value in JSON or text, and fingerprints each input it hides", () => {
        const json = planJson(masked);
        const text = planText(masked);
        for (const out of [json, text]) {
            expect(out).not.toContain(PASSWORD);
            expect(out).not.toContain(encodeURIComponent(PASSWORD));
        }
        expect(text).toContain("    envs: [secret]\n");
        expect(text).toContain("    labels: [secret]\n");
        // The secret inputs, and `command`, where the password was masked; not the readable ones.
        expect(Object.keys(app(masked).secretDigests ?? {})).toEqual(["command", "envs", "labels"]);
        expect(app(masked).secretDigests?.envs).toMatch(/^sha256:[0-9a-f]{16}$/);
        // The fingerprint follows the value: another password, another fingerprint.
        expect(app(finalPlan(evaluation({ password: "another-one" }), false)).secretDigests?.envs).not.toBe(app(masked).secretDigests?.envs);
    });

    it("shows everything with --show-secrets, with the same fingerprints", () => {
        const shown = finalPlan(evaluation(), true);
        expect(app(shown).inputs.envs).toEqual(["WORKERS=1", `PASSWORD=${PASSWORD}`]);
        expect(app(shown).inputs.command).toContain(PASSWORD);
        expect(shown.outputs.url).toBe(`redis://:${encodeURIComponent(PASSWORD)}@valkey:6379/0`);
        expect(app(shown).secretDigests).toEqual(app(masked).secretDigests);
    });
});

describe("diffs of secret properties", () => {
    const before = finalPlan(evaluation(), false);

    it("shows a change inside a secret property as [secret] => [secret], never the values", () => {
        const after = finalPlan(evaluation({ envs: ["WORKERS=4", `PASSWORD=${PASSWORD}`] }), false);
        const diff = diffPlans(before, after);
        expect(diff.changes).toHaveLength(1);
        expect(diff.changes[0].properties).toEqual([{ property: "envs", before: SECRET_MARK, after: SECRET_MARK, effect: "replace" }]);
        const text = formatDiff(diff);
        expect(text).toContain("    envs: [secret] => [secret]  (forces replacement)\n");
        expect(text).not.toContain("WORKERS");
        expect(text).not.toContain(PASSWORD);
    });

    it("sees a changed secret value itself, and nothing when nothing changed", () => {
        expect(diffPlans(before, finalPlan(evaluation(), false)).changes).toEqual([]);
        const rotated = diffPlans(before, finalPlan(evaluation({ password: "rotated-password" }), false)).changes[0];
        expect(rotated.properties.map((p) => p.property)).toEqual(["command", "envs", "labels"]);
        expect(formatDiff({ changes: [rotated] })).not.toContain("rotated-password");
    });

    it("compares a masked plan with a revealed one by value, and shows values only from the revealed side", () => {
        expect(diffPlans(before, finalPlan(evaluation(), true)).changes).toEqual([]);
        const shown = diffPlans(before, finalPlan(evaluation({ envs: ["WORKERS=4", `PASSWORD=${PASSWORD}`] }), true)).changes[0];
        expect(shown.properties).toEqual([{ property: "envs", before: SECRET_MARK, after: ["WORKERS=4", `PASSWORD=${PASSWORD}`], effect: "replace" }]);
    });
});

describe("the real program", () => {
    it("prints no secret in --json or the tree, shows secret inputs whole and the rest as is", () => {
        const masked = runPlan(["--stack", "dev", "--json"]);
        expect(masked.status).toBe(0);
        const plan = JSON.parse(masked.stdout) as Plan;
        const shown = renderPlan("dev", { showSecrets: true });
        const auth = (resource(shown, CONTAINER, "valkey-container").inputs.envs as string[]).find((e) => e.startsWith("REDISCLI_AUTH="));
        const password = auth!.slice("REDISCLI_AUTH=".length);
        expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        const tree = runPlan(["--stack", "dev"]).stdout;
        for (const out of [masked.stdout, tree]) {
            expect(out).not.toContain(password);
        }
        // Valkey's envs is a list with one secret element: the whole list is [secret].
        expect(resource(plan, CONTAINER, "valkey-container").inputs.envs).toBe(SECRET_MARK);
        expect(tree).toMatch(/\+ docker:index\/container:Container {2}valkey-container\n(?: {12}.*\n)*? {12}envs: \[secret\]\n/);
        let secretInputs = 0;
        for (const r of plan.resources) {
            const revealed = resource(shown, r.type, r.name);
            for (const [key, value] of Object.entries(r.inputs)) {
                if (JSON.stringify(revealed.inputs[key]).includes(password)) {
                    expect([r.name, key, value]).toEqual([r.name, key, SECRET_MARK]);
                }
                if (value === SECRET_MARK) {
                    secretInputs++;
                    expect(r.secretDigests?.[key]).toBe(revealed.secretDigests?.[key]);
                } else {
                    // Readable inputs are shown exactly as the program declares them.
                    expect([r.name, key, value]).toEqual([r.name, key, revealed.inputs[key]]);
                }
            }
        }
        // Valkey's envs and at least Open WebUI's secrets (in envs or in an uploaded file).
        expect(secretInputs).toBeGreaterThanOrEqual(2);
    });

    it("hides encrypted config values wherever the program puts them", () => {
        const dir = scratchProject(ENCRYPTED_STAGING_STACK);
        const placeholders = [secretPlaceholder("openwebui-valkey:valkeyPassword", "string"), secretPlaceholder("openwebui-valkey:databaseUrl", "string")];
        const masked = runPlan(["--stack", "staging", "--json", "--project", dir]);
        const shown = runPlan(["--stack", "staging", "--json", "--show-secrets", "--project", dir]);
        expect(masked.status).toBe(0);
        for (const placeholder of placeholders) {
            const token = /secret[0-9a-f]{16}/.exec(placeholder)![0];
            expect(masked.stdout).not.toContain(token);
            expect(shown.stdout).toContain(token);
        }
        expect(masked.stdout).toContain('"[secret]"');
    });
});
