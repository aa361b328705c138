// The public API of the package: the components (three on one Docker host, two as Swarm services), their arguments, and nothing internal.
export { ValkeyCache, ValkeyCacheArgs } from "./valkeyCache";
export { OpenWebUI, OpenWebUIArgs } from "./openWebUI";
export { PostgresDatabase, PostgresDatabaseArgs } from "./postgresDatabase";
export { SwarmValkeyCache, SwarmValkeyCacheArgs } from "./swarmValkeyCache";
export { SwarmOpenWebUI, SwarmOpenWebUIArgs } from "./swarmOpenWebUI";
