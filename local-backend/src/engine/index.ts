import { EngineImpl } from "./engine.js";
import type { Engine, EngineOptions } from "./types.js";

export type * from "./types.js";

/** Opens (recovering if needed) the data directory, bundles convex/ and starts the scheduler. */
export async function openEngine(opts: EngineOptions): Promise<Engine> {
  const engine = new EngineImpl(opts);
  await engine.open();
  return engine;
}
