// A test's window into a running transfer. When the deployment's environment variable POLARIS_TRANSFER_HOOK_URL
// is set (only tests set it), the action POSTs each step it reaches ({ step, source, attempt, done, total }) to that
// URL and goes on only once the answer has come, so a test can act at an exact moment (cancel between two batches of
// an import, end a run while its action is held) without sleeping. Unset, as in every real deployment, nothing is
// sent. A hook that cannot be reached is ignored: it must never change what a transfer does.

export interface HookStep {
  /**
   * "batch written": an import wrote a batch; "files read": an export or a ZIP read a page of files; "ended": the
   * action is about to return (whether or not its run was still the row's to end).
   */
  step: "batch written" | "files read" | "ended";
  source: string;
  /** The run's attempt (schema.ts transfers.attempt). */
  attempt: number;
  done: number;
  total: number;
}

export async function transferHook(step: HookStep): Promise<void> {
  const url = process.env.POLARIS_TRANSFER_HOOK_URL;
  if (url === undefined || url === "") return;
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(step) });
    await response.arrayBuffer();
  } catch {
    // No test is listening: go on.
  }
}
