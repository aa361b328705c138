// Settings every container shares: the tutorial's log rotation and restart policy, and the
// no-new-privileges flag that CIS Docker Benchmark asks of every container.

export const RESTART_POLICY = "unless-stopped";
export const LOG_DRIVER = "json-file";
/** One log file of at most 1 MB, as in the tutorial: logs never fill the host's disk. */
export const LOG_OPTS: Readonly<Record<string, string>> = { "max-file": "1", "max-size": "1m" };
/** Written as the daemon reads it back, so that a second `pulumi up` proposes nothing. */
export const NO_NEW_PRIVILEGES = "no-new-privileges:true";
/** Where a published port binds unless the user asks for more: this host only. */
export const DEFAULT_HOST_ADDRESS = "127.0.0.1";

/**
 * Inputs whose change must replace a container although the provider would not: the provider
 * records healthcheck edits in state only, and `#initerror` is the engine's key for a container
 * whose create failed its wait (unhealthy or timed out): without it the next `up` only "updates"
 * the record to success, with the broken container left running.
 */
export const CONTAINER_REPLACE_ON_CHANGES = ["healthcheck", "#initerror"];
