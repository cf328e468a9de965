import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { HookStep } from "../../convex/transfer/testHook";

// The listening side of convex/transfer/testHook.ts: the transfer action POSTs each step here and waits for the
// answer, so a test can hold an import right after a given batch, act (cancel), then let it go. No sleeps.

export interface TransferHookServer {
  url: string;
  /** Every step received, in order. */
  steps: HookStep[];
  /** Holds the next step that `matches`: `arrived` resolves with it, and the action waits until `release()`. */
  holdNext(matches: (step: HookStep) => boolean): { arrived: Promise<HookStep>; release(): void };
  close(): Promise<void>;
}

export async function startTransferHookServer(): Promise<TransferHookServer> {
  const holds: { matches: (step: HookStep) => boolean; arrive: (step: HookStep) => void; released: Promise<void> }[] = [];
  const steps: HookStep[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      const step = JSON.parse(raw) as HookStep;
      steps.push(step);
      const index = holds.findIndex((h) => h.matches(step));
      const answer = () => res.writeHead(204).end();
      if (index < 0) return answer();
      const [hold] = holds.splice(index, 1);
      hold.arrive(step);
      void hold.released.then(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/step`,
    steps,
    holdNext(matches) {
      let arrive!: (step: HookStep) => void;
      let release!: () => void;
      const arrived = new Promise<HookStep>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ matches, arrive, released });
      return { arrived, release };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
