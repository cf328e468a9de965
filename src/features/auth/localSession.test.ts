import { afterEach, describe, expect, it, vi } from "vitest";
import { LOCAL_SESSION_KEY, loadLocalSession, requestLocalToken, saveLocalSession, SignInError } from "./localSession";

afterEach(() => {
  localStorage.clear();
  vi.unstubAllGlobals();
});

describe("the stored session", () => {
  it("reads back what was saved, and nothing from a malformed entry", () => {
    saveLocalSession({ name: "Ada", token: "t", expiresAt: 5 });
    expect(loadLocalSession()).toEqual({ name: "Ada", token: "t", expiresAt: 5 });
    localStorage.setItem(LOCAL_SESSION_KEY, JSON.stringify({ name: "Ada", token: "t", expiresAt: "soon" }));
    expect(loadLocalSession()).toBeNull();
    localStorage.setItem(LOCAL_SESSION_KEY, JSON.stringify({ token: "t", expiresAt: 5 }));
    expect(loadLocalSession()).toBeNull();
  });
});

describe("requestLocalToken", () => {
  const answer = (body: unknown) => vi.stubGlobal("fetch", vi.fn(() => Promise.resolve(new Response(JSON.stringify(body), { status: 200 }))));

  it("takes the token, its expiry and the name the issuer signed", async () => {
    answer({ token: "t", expiresAt: 9, name: "Ada L." });
    expect(await requestLocalToken("http://x/", "Ada")).toEqual({ name: "Ada L.", token: "t", expiresAt: 9 });
    answer({ token: "t", expiresAt: 9 });
    expect(await requestLocalToken("http://x", "Ada")).toEqual({ name: "Ada", token: "t", expiresAt: 9 });
  });

  it("refuses an answer that is not a token", async () => {
    answer({ token: 1, expiresAt: 9 });
    await expect(requestLocalToken("http://x", "Ada")).rejects.toThrow(SignInError);
  });
});
