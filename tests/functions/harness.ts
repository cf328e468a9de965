import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { ConvexError } from "convex/values";
import { expect } from "vitest";

// The contract the function test cases are written against. It is implemented twice: with convex-test
// (tests/functions/convexTest.test.ts) and with the real local backend through the stock Convex client
// (local-backend/test/conformance.test.ts). Cases use only public functions, as a client would.

export interface Caller {
  query<Q extends FunctionReference<"query", "public">>(ref: Q, args: FunctionArgs<Q>): Promise<FunctionReturnType<Q>>;
  mutation<M extends FunctionReference<"mutation", "public">>(
    ref: M,
    args: FunctionArgs<M>,
  ): Promise<FunctionReturnType<M>>;
  action<A extends FunctionReference<"action", "public">>(ref: A, args: FunctionArgs<A>): Promise<FunctionReturnType<A>>;
}

export interface Harness {
  /** A caller signed in as `user` (distinct names are distinct users); anonymous when `user` is undefined. */
  as(user?: string): Caller;
  /** Uploads bytes the way a browser does with a URL from generateUploadUrl; returns the storageId. */
  upload(uploadUrl: string, bytes: Uint8Array, contentType: string): Promise<string>;
}

/** Every case file exports a function taking a harness factory; it is called inside a describe block. */
export type CaseSuite = (makeHarness: () => Promise<Harness>) => void;

/** Asserts that `promise` rejects with a ConvexError whose data.code is `code`; returns the data. */
export async function expectConvexError(promise: Promise<unknown>, code: string): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConvexError);
    const data = (error as ConvexError<{ code: string; message: string }>).data;
    expect(data.code).toBe(code);
    expect(typeof data.message).toBe("string");
    return data;
  }
  throw new Error(`expected a ConvexError with code ${code}, but the call succeeded`);
}
