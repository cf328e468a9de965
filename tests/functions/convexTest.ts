import { type TestConvex, convexTest } from "convex-test";
import schema from "../../convex/schema";
import { withIndexedQueries } from "./convexTestIndexes";
import { type Admin, type Caller, type Harness, SCALE_FILES } from "./harness";

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
 * The scale cases (cases/scale.ts, and the big search in cases/search.ts) run here on the local backend's size
 * (SCALE_FILES, 40,000 files: past 32,000 documents and 16 MiB of text). convex-test (0.0.60) alone answers every
 * query by walking the whole database, which made the case cost (files)² (206 s of CPU at 33,000 files, so it ran
 * at 2,000 here); convexTestIndexes.ts hands its queries only the documents of their index range. With that, and
 * the purge check re-reading only the buckets that may have changed, the case takes ~34 s of CPU at 40,000 files
 * (`time` of `npx vitest run tests/functions/convexTest.test.ts -t "convex-test: scale"` on 2 cores: 33 s in the
 * test at load 3, 37 s beside the local backend's run at load 9, 82 to 145 s at load 11 to 15). What is left is convex-test's own cost per document read (sizes, cursors, JSON both ways).
 *
 * Limits: convex-test enforces the per-function limits (transactionLimits above) on the documents and bytes a
 * function is handed, the index ranges it opens and what it writes, but not on documents a `.filter` drops or a
 * page skips, which Convex counts as scanned; the local backend counts those too, so its run of the same cases is
 * the one that proves the functions stay inside the limits.
 */
const scaleFiles = SCALE_FILES;

/** Rounds of scheduled functions `idle` waits through (a chain of purge batches is one round per batch). */
const IDLE_ROUNDS = 10_000;

export function convexTestHarness(t: ConvexTestInstance): Harness {
  const admin = t as unknown as UntypedClient;
  return {
    admin: {
      query: (ref, args) => admin.query(ref, args),
      mutation: (ref, args) => admin.mutation(ref, args),
    } satisfies Admin,
    scaleFiles,
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
