import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { saveLocalSession } from "../features/auth/localSession";

// What the entry sends before React renders (earlyStart.ts), decided from the stored session and the address. The
// client and the listing's hold are stand-ins recording what they were asked; what the real client does with an
// early token is proven against the real backend (local-backend/test/earlyAuth.test.ts).

const client = { authenticateEarly: vi.fn(), abandonEarlyAuth: vi.fn() };
const release = vi.fn();
const holdEarlyListing = vi.fn((..._args: unknown[]) => release);
const loadWorkspacePage = vi.fn(() => Promise.resolve({}));
const env: { convexUrl?: string; clerkPublishableKey?: string } = {};

vi.mock("./convexClient", () => ({ getConvexClient: () => client }));
vi.mock("../features/file-tree/earlyListing", () => ({ holdEarlyListing: (...args: unknown[]) => holdEarlyListing(...args) }));
vi.mock("../lib/env", () => ({ env }));
vi.mock("./routes", async (original) => ({ ...(await original<Record<string, unknown>>()), loadWorkspacePage: () => loadWorkspacePage() }));

const { abandonEarlyStart, startEarly } = await import("./earlyStart");

beforeEach(() => {
  env.convexUrl = "http://127.0.0.1:3210";
  env.clerkPublishableKey = undefined;
});
afterEach(() => {
  abandonEarlyStart();
  localStorage.clear();
  vi.clearAllMocks();
});

describe("startEarly", () => {
  it("at a project's address with a stored, unexpired session: the workspace's code, the token and the listing", async () => {
    saveLocalSession({ name: "Ada", token: "stored", expiresAt: Date.now() + 3_600_000 });
    await startEarly("/p/abc123");
    expect(loadWorkspacePage).toHaveBeenCalledTimes(1);
    expect(client.authenticateEarly).toHaveBeenCalledWith("stored");
    expect(holdEarlyListing).toHaveBeenCalledWith(client, "abc123");
  });

  it("sends nothing for an expired session (the auth provider renews it with the stored name) or with Clerk", async () => {
    saveLocalSession({ name: "Ada", token: "old", expiresAt: Date.now() + 1_000 });
    await startEarly("/p/abc123");
    env.clerkPublishableKey = "pk_test";
    saveLocalSession({ name: "Ada", token: "stored", expiresAt: Date.now() + 3_600_000 });
    await startEarly("/p/abc123");
    expect(client.authenticateEarly).not.toHaveBeenCalled();
    expect(holdEarlyListing).not.toHaveBeenCalled();
    // The workspace's code is asked for regardless: the page needs it whoever signs in.
    expect(loadWorkspacePage).toHaveBeenCalledTimes(2);
  });

  it("elsewhere sends the token only, and the first render does not wait for the workspace", async () => {
    saveLocalSession({ name: "Ada", token: "stored", expiresAt: Date.now() + 3_600_000 });
    await startEarly("/");
    expect(client.authenticateEarly).toHaveBeenCalledWith("stored");
    expect(holdEarlyListing).not.toHaveBeenCalled();
    expect(loadWorkspacePage).not.toHaveBeenCalled();
  });

  it("abandonEarlyStart takes back the token and the listing when the session is gone at the first render", async () => {
    saveLocalSession({ name: "Ada", token: "stored", expiresAt: Date.now() + 3_600_000 });
    await startEarly("/p/abc123");
    abandonEarlyStart();
    expect(release).toHaveBeenCalledTimes(1);
    expect(client.abandonEarlyAuth).toHaveBeenCalledTimes(1);
    abandonEarlyStart();
    expect(release).toHaveBeenCalledTimes(1);
  });
});
