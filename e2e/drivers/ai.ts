import { mkdirSync, rmdirSync } from "node:fs";
import { ScriptedProvider } from "../../tests/ai/scriptedProvider";
import { test } from "./fixtures";
import { setEnv } from "./index";

// The scripted Chat Completions server as the e2e backend's provider, set through the `env` command as a user
// would, for the specs that talk to the assistant.

// The backend has one provider setting, and the suite's two workers share the backend: a spec holds the provider
// (a lock directory beside the data dir, made atomically) from its first test to its last, and another waits for
// it. Before, chat.spec and offline.spec running at once set the setting over each other, and the first to end
// removed it: the other's answers came from the wrong provider ("OK") or from none.
const LOCK_WAIT_MS = 15 * 60_000;

async function holdProviderLock(): Promise<() => void> {
  const dir = `${process.env.POLARIS_E2E_DATA_DIR}-ai.lock`;
  for (;;) {
    try {
      mkdirSync(dir);
      return () => rmdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Holds the provider setting for the spec's tests (from the first to the last): set to the address `start` gives
 * (to none when it gives undefined), cleared after, then `stop`.
 */
function holdProvider(start: () => Promise<string | undefined>, stop: () => Promise<void> = () => Promise.resolve()) {
  let release: (() => void) | undefined;
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the hook's first parameter as its fixtures
  test.beforeAll(async ({}, testInfo) => {
    testInfo.setTimeout(LOCK_WAIT_MS + 60_000);
    release = await holdProviderLock();
    const url = await start();
    setEnv("POLARIS_AI_BASE_URL", url ?? null);
    setEnv("POLARIS_AI_MODEL", url === undefined ? null : "scripted-model");
  });
  test.afterAll(async () => {
    setEnv("POLARIS_AI_BASE_URL", null);
    setEnv("POLARIS_AI_MODEL", null);
    await stop();
    release?.();
    release = undefined;
  });
}

/** Starts the scripted provider before the spec's tests and removes it after; returns it once started. */
export function useScriptedProvider(): () => ScriptedProvider {
  let provider: ScriptedProvider | undefined;
  holdProvider(
    async () => {
      provider = await ScriptedProvider.start();
      return provider.url;
    },
    async () => {
      await provider?.close();
    },
  );
  return () => {
    if (provider === undefined) throw new Error("the scripted provider starts in beforeAll");
    return provider;
  };
}

/**
 * No provider while the spec's tests run: they see the assistant's help text, and a question they send cannot
 * take an answer another spec's scripted provider has queued for its own test.
 */
export function useNoProvider() {
  holdProvider(() => Promise.resolve(undefined));
}
