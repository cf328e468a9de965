import { spawnSync } from "node:child_process";
import { ScriptedProvider } from "../../tests/ai/scriptedProvider";
import { test } from "./fixtures";

// The scripted Chat Completions server as the e2e backend's provider, set through the `env` command as a user
// would, for the specs that talk to the assistant.

function setEnv(name: string, value: string | null) {
  const dataDir = process.env.POLARIS_E2E_DATA_DIR;
  if (!dataDir) throw new Error("POLARIS_E2E_DATA_DIR is not set: run the specs through playwright.config.ts");
  const args = value === null ? ["env", "remove", name] : ["env", "set", name, value];
  const result = spawnSync("npx", ["tsx", "local-backend/src/cli.ts", ...args, "--data-dir", dataDir], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`env ${args.join(" ")} failed: ${result.stderr}`);
}

/** Starts the scripted provider before the spec's tests and removes it after; returns it once started. */
export function useScriptedProvider(): () => ScriptedProvider {
  let provider: ScriptedProvider | undefined;
  test.beforeAll(async () => {
    provider = await ScriptedProvider.start();
    setEnv("POLARIS_AI_BASE_URL", provider.url);
    setEnv("POLARIS_AI_MODEL", "scripted-model");
  });
  test.afterAll(async () => {
    setEnv("POLARIS_AI_BASE_URL", null);
    setEnv("POLARIS_AI_MODEL", null);
    await provider?.close();
  });
  return () => {
    if (provider === undefined) throw new Error("the scripted provider starts in beforeAll");
    return provider;
  };
}
