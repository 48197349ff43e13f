// Where dind-compose keeps its per-user files: the toolchain (bin/), caches,
// progress files, the client certificates `dind-compose env` writes.

import * as os from "os";
import * as path from "path";

/** $DIND_COMPOSE_HOME, default ~/.dind-compose (scripts/env.sh agrees). */
export function dindComposeHome(env: NodeJS.ProcessEnv = process.env): string {
    return env.DIND_COMPOSE_HOME || path.join(os.homedir(), ".dind-compose");
}
