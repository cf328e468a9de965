import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitForPreview } from "./previewReady";

let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("waitForPreview", () => {
  it("keeps asking while the connection is refused and resolves once the server answers, whatever its status", async () => {
    const port = await freePort();
    let refused = 0;
    let listening: Promise<void> | null = null;
    const ready = waitForPreview(`http://127.0.0.1:${port}/`, new AbortController().signal, {
      intervalMs: 10,
      attempts: 1000,
      onRefused: (n) => {
        refused = n;
        // The server starts only after a refusal was seen: the wait must have retried to succeed.
        listening ??= new Promise<void>((resolve) => {
          server = createServer((_req, res) => {
            res.writeHead(502);
            res.end("not yet");
          });
          server.listen(port, "127.0.0.1", resolve);
        });
      },
    });
    expect(await ready).toBe(true);
    expect(refused).toBeGreaterThanOrEqual(1);
  });

  it("gives up after its attempts, and at once when aborted", async () => {
    const port = await freePort();
    let refused = 0;
    expect(await waitForPreview(`http://127.0.0.1:${port}/`, new AbortController().signal, { intervalMs: 1, attempts: 3, onRefused: (n) => (refused = n) })).toBe(false);
    expect(refused).toBe(3);
    const aborted = new AbortController();
    aborted.abort();
    expect(await waitForPreview(`http://127.0.0.1:${port}/`, aborted.signal)).toBe(false);
  });
});
