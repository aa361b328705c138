// The Pulumi program: per stack, Valkey, Open WebUI and (where the stack enables it) PostgreSQL,
// as containers on one Docker host or, with `orchestrator: swarm`, as Swarm services. Configured by
// Pulumi.<stack>.yaml.
import * as pulumi from "@pulumi/pulumi";
import { deployContainers } from "./program/containers";
import { deploySwarm } from "./program/swarm";
import { CONFIG_NAMESPACE, engineConfig, readStackSettings } from "./program/stackConfig";

const config = new pulumi.Config(CONFIG_NAMESPACE);
// The whole configuration is checked here, before any resource is declared: every value, and every
// key set (a mistyped key, a secret stored in plain text).
const settings = readStackSettings(pulumi.getStack(), (key) => config.get(key), engineConfig());

const swarm = settings.orchestrator === "swarm" ? deploySwarm(settings, config) : undefined;
const host = swarm === undefined ? deployContainers(settings, config) : undefined;

/** Where to open Open WebUI (one Docker host). */
export const openWebUIUrl = host?.openWebUIUrl;
export const openWebUIContainer = host?.openWebUIContainer;
export const valkeyContainer = host?.valkeyContainer;
/** The Swarm services, and the port Open WebUI is published on. */
export const openWebUIService = swarm?.openWebUIService;
export const openWebUIPublishedPort = swarm?.openWebUIPublishedPort;
export const valkeyService = swarm?.valkeyService;
export const networkName = (host ?? swarm)?.networkName;
export const valkeyVolume = (host ?? swarm)?.valkeyVolume;
export const openWebUIVolume = (host ?? swarm)?.openWebUIVolume;
/** Connection URLs carry the password: secret. */
export const redisUrl = (host ?? swarm)?.redisUrl;
export const websocketRedisUrl = host?.websocketRedisUrl;
/** The stack's PostgreSQL, when it has one; its URL carries the password: secret. */
export const postgresContainer = (host ?? swarm)?.postgresContainer;
export const postgresVolume = (host ?? swarm)?.postgresVolume;
export const databaseUrl = (host ?? swarm)?.databaseUrl;
