import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { uploadSha256 } from "./uploadHash";

describe("uploadSha256", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is the SHA-256 in standard base64, as the backend stores it in _storage.sha256, for bytes and blobs", async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const expected = createHash("sha256").update(bytes).digest("base64");
    expect(await uploadSha256(bytes)).toBe(expected);
    expect(await uploadSha256(new Blob([bytes]))).toBe(expected);
    expect(await uploadSha256(new Uint8Array())).toBe(createHash("sha256").digest("base64"));
  });

  it("needs no crypto.subtle, which a page served over plain http on a LAN address does not have", async () => {
    vi.stubGlobal("crypto", {});
    expect(await uploadSha256(new Uint8Array([1, 2, 3]))).toBe(createHash("sha256").update(new Uint8Array([1, 2, 3])).digest("base64"));
  });
});
