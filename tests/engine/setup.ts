// Runs once before the engine suite: gives this run an id that every engine test's run label
// carries (workers inherit the environment), so the teardown can tell its leftovers from another run's.
import { randomBytes } from "crypto";

export default async function setup(): Promise<void> {
    process.env.OPENWEBUI_VALKEY_TEST_RUN ??= randomBytes(4).toString("hex");
}
