// The offline plan: what `npm run plan` prints, its JSON form, masking, config handling and errors.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, envMap, removeScratchProjects, renderPlan, resource, runPlan, scratchProject, ENCRYPTED_STAGING_STACK } from "../helpers/planCli";
import type { Plan } from "../../tools/plan/evaluate";

const CONTAINER = "docker:index/container:Container";
afterAll(removeScratchProjects);

describe("npm run plan -- --stack dev --json", () => {
    let first: ReturnType<typeof runPlan>;
    let plan: Plan;
    let revealed: Plan;
    beforeAll(() => {
        first = runPlan(["--stack", "dev", "--json"]);
        plan = JSON.parse(first.stdout);
        revealed = renderPlan("dev", { showSecrets: true });
    });

    it("prints identical bytes twice", () => {
        const second = runPlan(["--stack", "dev", "--json"]);
        expect(first.status).toBe(0);
        expect(second.stdout).toBe(first.stdout);
    });

    it("prints no password or secret key: an input that holds one is [secret] as a whole", () => {
        const password = envMap(resource(revealed, CONTAINER, "valkey-container").inputs.envs).REDISCLI_AUTH;
        const secretKey = /WEBUI_SECRET_KEY='?([A-Za-z0-9]{64})/.exec(JSON.stringify(revealed))?.[1];
        expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(secretKey).toMatch(/^[A-Za-z0-9]{64}$/);
        expect(first.stdout).not.toContain(password);
        expect(first.stdout).not.toContain(secretKey);
        expect(resource(plan, CONTAINER, "valkey-container").inputs.envs).toBe("[secret]");
        // Open WebUI's connection URL carries the password: whichever input holds it is hidden whole.
        const shown = resource(revealed, CONTAINER, "open-webui-container").inputs;
        const holders = Object.keys(shown).filter((k) => JSON.stringify(shown[k]).includes(`redis://:${password}@valkey:6379/0`));
        expect(holders.length).toBeGreaterThan(0);
        const masked = resource(plan, CONTAINER, "open-webui-container").inputs;
        for (const key of holders) expect([key, masked[key]]).toEqual([key, "[secret]"]);
        // The rest stays readable for review.
        expect(masked.name).toBe("dev-open-webui");
        expect(masked.ports).toEqual(shown.ports);
    });

    it("forms URNs as Pulumi does, from the chain of ancestor types", () => {
        expect(resource(plan, CONTAINER, "valkey-container").urn).toBe(
            "urn:pulumi:dev::openwebui-valkey::openwebui-valkey:index:ValkeyCache$docker:index/container:Container::valkey-container",
        );
        expect(resource(plan, "openwebui-valkey:index:ValkeyCache", "valkey").urn).toBe("urn:pulumi:dev::openwebui-valkey::openwebui-valkey:index:ValkeyCache::valkey");
        expect(resource(plan, "openwebui-valkey:index:ValkeyCache", "valkey").parent).toBe("urn:pulumi:dev::openwebui-valkey::pulumi:pulumi:Stack::openwebui-valkey-dev");
    });

    it("records the options that protect data and order the containers", () => {
        expect(resource(plan, "docker:index/volume:Volume", "valkey-data").options).toEqual({ retainOnDelete: true });
        const valkey = resource(plan, CONTAINER, "valkey-container");
        expect(valkey.options.deleteBeforeReplace).toBe(true);
        // healthcheck: the provider only records its edits; #initerror: a container whose create failed
        // its wait is replaced on the next up instead of being recorded as a success.
        expect(valkey.options.replaceOnChanges).toEqual(["#initerror", "healthcheck"]);
        // Open WebUI is created only after Valkey, which `wait: true` holds back until healthy.
        expect(resource(plan, CONTAINER, "open-webui-container").options.dependsOn).toContain(valkey.urn);
        expect(valkey.inputs.wait).toBe(true);
    });

    it("derives the image id from the image name, so that a changed image changes the container", () => {
        const other = renderPlan("dev", { config: { valkeyImage: "docker.io/valkey/valkey:8.0.2-alpine" } });
        expect(resource(other, CONTAINER, "valkey-container").inputs.image).not.toBe(resource(plan, CONTAINER, "valkey-container").inputs.image);
        expect(resource(other, CONTAINER, "open-webui-container").inputs.image).toBe(resource(plan, CONTAINER, "open-webui-container").inputs.image);
    });

    it("renders the text tree with every resource under its parent", () => {
        const text = runPlan(["--stack", "dev"]);
        expect(text.status).toBe(0);
        expect(text.stdout).toMatch(/^Plan of stack dev \(project openwebui-valkey\): 12 resources/);
        expect(text.stdout).toMatch(/\+ openwebui-valkey:index:ValkeyCache {2}valkey\n {8}\+ docker:index\/container:Container {2}valkey-container/);
        expect(text.stdout).toMatch(/\n {12}envs: \[secret\]\n/);
        expect(text.stdout).not.toContain(envMap(resource(revealed, CONTAINER, "valkey-container").inputs.envs).REDISCLI_AUTH);
    });
});

describe("config handling", () => {
    it("applies --config overrides as `pulumi config set` would", () => {
        const plan = renderPlan("dev", { config: { valkeyTimeoutSeconds: 300, valkeyMaxclients: 5, valkeyRunAsValkeyUser: true } });
        const c = resource(plan, CONTAINER, "valkey-container").inputs;
        expect(c.command).toEqual(expect.arrayContaining(["--timeout", "300", "--maxclients", "5"]));
        expect(c.user).toBe("999");
        expect(c.ulimits).toEqual([{ name: "nofile", soft: 37, hard: 37 }]);
    });

    it("gives encrypted values a typed placeholder and shows them as [secret]", () => {
        const dir = scratchProject(ENCRYPTED_STAGING_STACK);
        const masked = renderPlan("staging", { project: dir });
        expect(JSON.stringify(masked)).not.toMatch(/secret[0-9a-f]{16}/);
        expect(masked.resources.find((r) => r.name === "valkey-password")).toBeUndefined();
        const shown = renderPlan("staging", { project: dir, showSecrets: true });
        // A valid URL of the right kind, wherever the program puts it.
        expect(JSON.stringify(shown)).toMatch(/postgresql:\/\/openwebui:secret[0-9a-f]{16}@database\.invalid:5432\/openwebui/);
    });

    it("passes --secret-config values as secrets: the program takes them, the plan masks them", () => {
        // URL-special characters: the password also appears percent-encoded inside the Redis URLs.
        const password = "hunter2:p@ss/word";
        const args = ["--stack", "dev", "--json", "--secret-config", `valkeyPassword=${password}`, "--secret-config", "secretKey=my-own-signing-key"];
        const masked = runPlan(args);
        expect(masked.status).toBe(0);
        expect(masked.stdout).not.toContain("hunter2");
        expect(masked.stdout).not.toContain(encodeURIComponent(password));
        expect(masked.stdout).not.toContain("my-own-signing-key");
        expect(masked.stdout).toContain("[secret]");
        // Given, not generated.
        const names = (JSON.parse(masked.stdout) as Plan).resources.map((r) => r.name);
        expect(names).toContain("valkey-container");
        expect(names).not.toContain("valkey-password");
        expect(names).not.toContain("open-webui-secret-key");
        const shown = runPlan([...args, "--show-secrets"]);
        expect(shown.status).toBe(0);
        expect(shown.stdout).toContain(password);
        expect(shown.stdout).toContain("my-own-signing-key");
    });

    it("renderPlan gives the secret keys as --secret-config, so tests can still set them", () => {
        const plan = renderPlan("dev", { config: { valkeyPassword: "from-a-test" }, showSecrets: true });
        expect(JSON.stringify(plan)).toContain("from-a-test");
        expect(plan.resources.map((r) => r.name)).not.toContain("valkey-password");
    });

    it("fails on bad stack configuration with the program's own message", () => {
        const run = runPlan(["--stack", "dev", "--config", "valkeyTimeoutSeconds=0"]);
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/^plan: openwebui-valkey:valkeyTimeoutSeconds = 0: with timeout 0/);
        expect(run.stderr).not.toMatch(/\n\s+at /);
    });
});

describe("bad input to the command", () => {
    const oneLine = (run: ReturnType<typeof runPlan>) => {
        expect(run.status).toBe(2);
        expect(run.stdout).toBe("");
        expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(run.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
        return run.stderr;
    };

    it("names a stack that does not exist, and the ones that do", () => {
        expect(oneLine(runPlan(["--stack", "staging"]))).toMatch(/no stack "staging": there is no Pulumi\.staging\.yaml \(stacks here: dev, prod, swarm\)/);
    });

    it("reports a malformed stack file", () => {
        const dir = scratchProject({ "Pulumi.broken.yaml": "config:\n  openwebui-valkey:uvicornWorkers: [unclosed\n" });
        expect(oneLine(runPlan(["--stack", "broken", "--project", dir]))).toMatch(/Pulumi\.broken\.yaml is not valid YAML/);
        const typed = scratchProject({ "Pulumi.typed.yaml": "config:\n  openwebui-valkey:uvicornWorkers: many\n" });
        expect(oneLine(runPlan(["--stack", "typed", "--project", typed]))).toMatch(/uvicornWorkers is declared as integer in Pulumi\.yaml but is "many"/);
    });

    it("refuses a config key Pulumi.yaml does not declare, naming the nearest declared one", () => {
        expect(oneLine(runPlan(["--stack", "dev", "--config", "typoKey=1"]))).toBe(
            "plan: --config typoKey sets openwebui-valkey:typoKey, which Pulumi.yaml does not declare (did you mean secretKey?)\n",
        );
        expect(oneLine(runPlan(["--stack", "dev", "--config", "valkeyMaxClients=5"]))).toMatch(/openwebui-valkey:valkeyMaxClients, which Pulumi\.yaml does not declare \(did you mean valkeyMaxclients\?\)/);
        const secret = oneLine(runPlan(["--stack", "dev", "--secret-config", "valkeyPasword=hunter2"]));
        expect(secret).toMatch(/^plan: --secret-config valkeyPasword sets .*\(did you mean valkeyPassword\?\)/);
        expect(secret).not.toContain("hunter2");
        const dir = scratchProject({ "Pulumi.typo.yaml": "config:\n  openwebui-valkey:uvicornWorker: \"4\"\n" });
        expect(oneLine(runPlan(["--stack", "typo", "--project", dir]))).toMatch(/^plan: Pulumi\.typo\.yaml sets openwebui-valkey:uvicornWorker, which Pulumi\.yaml does not declare \(did you mean uvicornWorkers\?\)/);
    });

    it("refuses a secret key given in plain text, by --config or in the stack file, without printing it", () => {
        const byFlag = oneLine(runPlan(["--stack", "dev", "--config", "valkeyPassword=hunter2"]));
        expect(byFlag).toMatch(/^plan: openwebui-valkey:valkeyPassword = "\[secret\]": it is stored in plain text.*Fix: store it encrypted with pulumi config set --secret valkeyPassword/);
        expect(byFlag).not.toContain("hunter2");
        const dir = scratchProject({ "Pulumi.plain.yaml": "config:\n  openwebui-valkey:databaseUrl: postgresql://openwebui:hunter2@db.example.com:5432/openwebui\n" });
        const inFile = oneLine(runPlan(["--stack", "plain", "--project", dir]));
        expect(inFile).toMatch(/^plan: openwebui-valkey:databaseUrl = "\[secret\]": it is stored in plain text, readable by anyone who can read Pulumi\.plain\.yaml/);
        expect(inFile).not.toContain("hunter2");
    });

    it("refuses a key given both plain and secret", () => {
        expect(oneLine(runPlan(["--stack", "dev", "--config", "secretKey=a", "--secret-config", "secretKey=b"]))).toMatch(/openwebui-valkey:secretKey is given both by --config and by --secret-config/);
        expect(oneLine(runPlan(["--stack", "dev", "--secret-config", "secretKey"]))).toMatch(/--secret-config takes key=value, not "secretKey"/);
    });

    it("reports an unreadable or malformed plan file", () => {
        expect(oneLine(runPlan(["--stack", "dev", "--diff", "/nonexistent/plan.json"]))).toMatch(/cannot read plan \/nonexistent\/plan\.json: ENOENT/);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "bad.json");
        fs.writeFileSync(file, "{ not json");
        expect(oneLine(runPlan(["--stack", "dev", "--diff", file]))).toMatch(/bad\.json is not JSON/);
    });

    it("reports a missing --stack and unknown flags with the usage", () => {
        expect(runPlan([]).stderr).toMatch(/--stack is required\nusage: npm run plan/);
        expect(runPlan(["--stack", "dev", "--frobnicate"]).status).toBe(2);
    });
});

it("the project's own stack files all render", () => {
    const stacks = fs.readdirSync(ROOT).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    expect(stacks.sort()).toEqual(["Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.swarm.yaml"]);
});
