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

/** Internal functions, run the way an operator does (`npx convex run`): no identity, no client. */
export interface Admin {
  query<Q extends FunctionReference<"query", "internal">>(ref: Q, args: FunctionArgs<Q>): Promise<FunctionReturnType<Q>>;
  mutation<M extends FunctionReference<"mutation", "internal">>(
    ref: M,
    args: FunctionArgs<M>,
  ): Promise<FunctionReturnType<M>>;
}

/** The scale cases' big project on both backends: past the 32,000 documents and 16 MiB a function may read. */
export const SCALE_FILES = 40_000;

export interface Harness {
  /** A caller signed in as `user` (distinct names are distinct users); anonymous when `user` is undefined. */
  as(user?: string): Caller;
  /** Uploads bytes the way a browser does with a URL from generateUploadUrl; returns the storageId. */
  upload(uploadUrl: string, bytes: Uint8Array, contentType: string): Promise<string>;
  admin: Admin;
  /**
   * How many files the scale cases (cases/scale.ts) put in their big project: SCALE_FILES on both backends (a test
   * of the harness itself may run them smaller).
   */
  scaleFiles: number;
  /**
   * Stops the deployment abruptly (whatever scheduled work is pending stays pending in its data) and starts it
   * again on the same data; callers made before keep working. Absent where there is no such thing (convex-test).
   */
  restart?: () => Promise<void>;
  /**
   * While held, scheduled functions that fall due stay pending (as on a deployment too busy to run them) and
   * `idle` does not wait for them; released, they run. A restart keeps the setting. Lets a case run a chain's steps
   * itself and look at the state after each one. Absent where scheduled functions cannot be held (convex-test
   * runs them on real timers).
   */
  holdScheduled?: (held: boolean) => void;
  /**
   * Resolves once the deployment has no work pending that is due now: no function running, no scheduled function
   * due or running (scheduled ones chain until none is left). A case reads a settled state after it, with no
   * sleep; functions scheduled for later do not count.
   */
  idle(): Promise<void>;
  /** Sets (null: removes) a function environment variable of the deployment, as `npx convex env set` does. */
  setEnv(name: string, value: string | null): Promise<void>;
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
