// One project per suite, so `npm test` runs them all and each can be run alone (`--selectProjects`).
const transform = { "^.+\\.ts$": ["@swc/jest"] };
const project = (name, extra = {}) => ({
    displayName: name,
    testEnvironment: "node",
    transform,
    testMatch: [`<rootDir>/tests/${name}/**/*.test.ts`],
    // TypeScript first: after `npm run build`, compiled files sit beside the sources.
    moduleFileExtensions: ["ts", "js", "json", "node"],
    ...extra,
});

module.exports = {
    projects: [project("unit"), project("plan"), project("realize"), project("engine", { globalSetup: "<rootDir>/tests/engine/setup.ts", globalTeardown: "<rootDir>/tests/engine/teardown.ts" }), project("package")],
};
