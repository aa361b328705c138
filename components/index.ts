// The public API of the package: the two components, their arguments, and nothing internal.
export { ValkeyCache, ValkeyCacheArgs } from "./valkeyCache";
export { OpenWebUI, OpenWebUIArgs } from "./openWebUI";
