import { ScriptedProvider } from "../../tests/ai/scriptedProvider";
import { test } from "./fixtures";
import { setEnv } from "./index";

// The scripted Chat Completions server as the e2e backend's provider, set through the `env` command as a user
// would, for the specs that talk to the assistant.

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
