import { type TestConvex, convexTest } from "convex-test";
import schema from "../../convex/schema";
import { withIndexedQueries } from "./convexTestIndexes";
import type { Admin, Caller, Harness } from "./harness";

export const convexModules = import.meta.glob("../../convex/**/*.*s");

export type ConvexTestInstance = TestConvex<typeof schema>;

/** The Caller contract is generic over references; convex-test's signatures spell the same thing differently. */
interface UntypedClient {
  query(ref: unknown, args: unknown): Promise<any>;
  mutation(ref: unknown, args: unknown): Promise<any>;
  action(ref: unknown, args: unknown): Promise<any>;
}

/**
 * A fresh convex-test deployment per call, with the instance for tests that must look at raw rows. Convex's
 * per-function limits (documents and bytes read and written, index ranges, scheduled functions) are enforced,
 * as on Convex cloud and the local backend.
 */
export function makeConvexTestInstance(options: { verify?: boolean } = {}): ConvexTestInstance {
  return withIndexedQueries(convexTest({ schema, modules: convexModules, transactionLimits: true }), options);
}

/**
 * The scale cases (cases/scale.ts) run here on a project a twentieth of the local backend's, not past 32,000 files:
 * convex-test (0.0.60) answers every index query by scanning and sorting the whole database (DatabaseFake
 * `_iterateDocs`), so whatever the case does once per row or once per batch per bucket costs (files)². Two such
 * parts are gone: seeding fills each folder with one createMany into an empty folder (one index range, not a
 * lookup per name), and the audit compares two passes of pages (audit.listingRowsPage, listingEntriesPage) instead
 * of verifyListing's lookup per row. CPU of the whole case in one process (load ~20, so CPU time, not wall):
 * 2,000 files 16.1 s before (76% in verifyListing's lookups); 4,000 files 18.9 s with the paged audit (56% in the
 * second createMany's per-name lookups); 8,000 files over 55 s before both (timed out) and 13.0 s after; 33,000
 * files (past 32,000 documents and 16 MiB) pass in 205.8 s, over a 3-minute budget, so the case stays at 2,000
 * here. At 33,000, 65% of that is bucket reads (files.listingBucket), almost all from the tree check after every
 * purge batch, which reads every bucket each time (batches × buckets, each a scan of the whole database), and 14%
 * the audit's two passes. The local backend, which keeps real indexes and enforces the same per-function limits,
 * runs the cases at 40,000 files.
 */
export const CONVEX_TEST_SCALE_FILES = 2000;

/** Rounds of scheduled functions `idle` waits through (a chain of purge batches is one round per batch). */
const IDLE_ROUNDS = 10_000;

export function convexTestHarness(t: ConvexTestInstance): Harness {
  const admin = t as unknown as UntypedClient;
  return {
    admin: {
      query: (ref, args) => admin.query(ref, args),
      mutation: (ref, args) => admin.mutation(ref, args),
    } satisfies Admin,
    scaleFiles: CONVEX_TEST_SCALE_FILES,
    // With real timers nothing needs advancing: convex-test yields to its own timers of scheduled functions that
    // are due and waits for them, and for the functions they schedule in turn.
    idle: () => t.finishAllScheduledFunctions(() => {}, IDLE_ROUNDS),
    // convex-test runs the functions in this process, reading process.env as they run.
    setEnv(name, value) {
      if (value === null) delete process.env[name];
      else process.env[name] = value;
      return Promise.resolve();
    },
    as(user?: string): Caller {
      const client = (user === undefined ? t : t.withIdentity({ subject: user, name: user })) as unknown as UntypedClient;
      return {
        query: (ref, args) => client.query(ref, args),
        mutation: (ref, args) => client.mutation(ref, args),
        action: (ref, args) => client.action(ref, args),
      };
    },
    // convex-test has no HTTP upload endpoint: the URL from generateUploadUrl is ignored and the bytes are
    // stored directly, which yields the same kind of storageId a browser upload would.
    async upload(_uploadUrl, bytes, contentType) {
      return t.run((ctx) => ctx.storage.store(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType })));
    },
  };
}

export function makeConvexTestHarness(): Promise<Harness> {
  return Promise.resolve(convexTestHarness(makeConvexTestInstance()));
}
