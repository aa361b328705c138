// The public API of the package: the three components, their arguments, and nothing internal.
export { ValkeyCache, ValkeyCacheArgs } from "./valkeyCache";
export { OpenWebUI, OpenWebUIArgs } from "./openWebUI";
export { PostgresDatabase, PostgresDatabaseArgs } from "./postgresDatabase";
