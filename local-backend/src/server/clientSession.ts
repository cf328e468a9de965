import { createHash, randomUUID } from "node:crypto";
import type { JSONValue } from "convex/values";
import type { Duplex } from "node:stream";
import { WebSocket, type RawData } from "ws";
import { AuthTokenError, tokenExpiry, type TokenVerifier } from "../auth/verify.js";
import type { Engine, Identity, ReadSet, RunResult, WriteSet } from "../engine/types.js";
import type { Subscriptions, Watched } from "./subscriptions.js";
import {
  ProtocolError,
  canonicalizeUdfPath,
  parseClientMessage,
  serializeServerMessage,
  type ClientMessage,
  type QueryJournal,
  type ServerMessage,
  type StateModification,
  type StateVersion,
} from "./protocol.js";

// One WebSocket connection of the sync protocol. Invariants:
// - Every message that changes the connection's state (query set, identity, mutations, re-runs after commits) runs
//   in one per-connection queue, in arrival order, so a Transition's startVersion is always the version the client
//   holds: nothing else sends Transitions.
// - Mutations of one connection run in order, each as its own transaction, as Convex runs them.
// - Mutations queued back to back are pipelined: while the next queued message is another Mutation (and the run is
//   within MAX_PIPELINED and MAX_HOLD_MS; also one queued while the run's commits become durable), a mutation is handed
//   to the engine without waiting for its commit to be durable, so the next one runs meanwhile (the engine's queue
//   keeps their order) and their commits share the log's group-commit batches: a burst of n mutations costs about two
//   fsyncs instead of n. The last of the run waits for every answer in order (each one only once its commit is
//   durable), re-runs the queries once and sends every answer, in order, then one Transition covering all of them, in
//   one socket write. Nothing else sends a Transition in between (only the next queued message could, and it is a
//   Mutation), so no Transition ever reaches a mutation's ts before its MutationResponse went out. While Mutations are
//   queued, a commit that marks queries queues no refresh (it would split a burst into two runs): the run's answer
//   re-runs them.
// - A successful MutationResponse is always followed by a Transition whose endVersion.ts >= the mutation's ts
//   (the client resolves the mutation's promise and drops its optimistic update only on that Transition).
// - A Transition's endVersion.ts never exceeds the snapshot of any result it carries, so the client never
//   drops an optimistic update before the server's results reflect the mutation.
// - ModifyQuerySet messages queued back to back are answered together, as Convex does: while the queue's last
//   task is a ModifyQuerySet not started yet, the next one joins it (at most MAX_QUERY_SET_BATCH). The task
//   applies them in order, checking each one's versions, runs every added query at once and sends one Transition
//   from the version the client held to the last message's newVersion. The stock client sends one message per
//   subscription (a project's ~100 listing buckets are 100 messages in one burst): answered one by one, each
//   waited for the previous one's queries and Transition.
// - A ModifyQuerySet task followed in the queue by a Mutation is answered by that mutation's run: its changes are
//   applied at once (so a later ModifyQuerySet checks its versions against them), its queries run after the run's
//   commits, and the run's Transition carries their results and ends at its newVersion. A reconnecting client sends
//   Authenticate, one ModifyQuerySet re-adding every query and then its unanswered mutations in one burst: answered
//   in order, the mutations waited until every query had run and its Transition was sent (bench/offline: the first
//   confirmation after going online waited for the whole resubscription), and then the queries they changed ran a
//   second time for a second Transition. Convex runs mutations beside query set changes in the same way; the
//   client only needs the Transition to start at its version and to reach each mutation's ts, which this one does.

export const PING_INTERVAL_MS = 15_000;
/** Queries one connection may have subscribed at once; more are answered with QueryFailed. */
export const MAX_SUBSCRIPTIONS = 1000;
/** Past this many entries (subscribed + refused) the client is not a well-behaved app: FatalError. */
const MAX_QUERY_SET_ENTRIES = 2 * MAX_SUBSCRIPTIONS;
/** setTimeout's limit; a token living longer is still checked whenever something runs under it. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_QUEUED_MESSAGES = 10_000;
/** A run of back-to-back mutations pipelined and answered together holds at most this many ... */
const MAX_PIPELINED = 256;
/** ... and starts new ones for at most this long (ms) after the first, so a long run still answers as it goes. */
const MAX_HOLD_MS = 250;
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/**
 * Messages sent without permessage-deflate on a connection that negotiated it. Each compressed frame is a job on
 * libuv's thread pool (server/index.ts SYNC_DEFLATE), which the engine's fsyncs and the inflating of the client's
 * own frames share, and `ws` runs them in order: a run's answers were one job each, and the next burst's Mutations
 * waited behind them, reached the session one by one and were answered one per Transition, each re-sending a whole
 * listing bucket (bench/offline with BENCH_PROFILE_LARGE, 5,000 writes: 492 of 713 Transitions answered one or two
 * mutations and carried 27 of the 40 MB received). A MutationResponse is short and read at once; a Transition,
 * which carries the query results, stays compressed.
 */
const UNCOMPRESSED: ReadonlySet<ServerMessage["type"]> = new Set(["MutationResponse"]);

/**
 * Whether `message` goes out compressed on a connection that negotiated permessage-deflate: not the UNCOMPRESSED
 * types, nor a Transition that carries no query results (a client that only writes, as an import or a script
 * does, gets one per run of its mutations). Such a Transition is its versions alone, about 150 bytes: compressing
 * it saved a few dozen bytes for two jobs on the thread pool, and it left the run's answers and their Transition
 * in two socket writes instead of one (ws writes a compressed frame when its job is done, after the uncork).
 */
function compressed(message: ServerMessage): boolean {
  if (UNCOMPRESSED.has(message.type)) return false;
  return message.type !== "Transition" || message.modifications.length > 0;
}
/**
 * Queries of one connection run at once. They share the one JS thread, so running more only interleaves them:
 * 100 listing buckets started together each held their half-read rows until all were done, and the collector
 * spent more time than the queries. A few keep the thread busy while one waits for a durable commit.
 */
const MAX_CONCURRENT_QUERIES = 4;
/** ModifyQuerySet messages one task may answer together (one Transition). */
const MAX_QUERY_SET_BATCH = MAX_SUBSCRIPTIONS;

type ModifyQuerySet = Extract<ClientMessage, { type: "ModifyQuerySet" }>;

/** Applied ModifyQuerySet messages not answered yet: the queries to run, the refused ones and the version reached. */
interface QuerySetChange {
  added: Set<number>;
  refused: Set<number>;
  extra: StateModification[];
  querySet: number;
}

/** A mutation's answer, once its result is durable; EXPIRED when the connection's token expired before it ran. */
type MutationAnswer = { requestId: number; response: ServerMessage; ts: bigint } | typeof EXPIRED;
const EXPIRED = Symbol("expired");

interface Subscription {
  udfPath: string;
  args: JSONValue;
  journal: QueryJournal;
  /** The journal this connection last sent for this query (undefined before its first result): not sent again. */
  clientJournal: QueryJournal | undefined;
  reads: ReadSet | null;
  /** How the subscription is filed in the read index (subscriptions.ts). */
  watched: Watched;
  resultHash: string | null;
  /** Over the subscription limit: never run, answered once with QueryFailed. */
  refused: boolean;
}

interface RefreshOptions {
  added?: Set<number>;
  extra?: StateModification[];
  querySet?: number;
  identity?: number;
  rerunAll?: boolean;
  force?: boolean;
  atLeast?: bigint;
}

export interface SessionContext {
  engine: Engine;
  /** Every connection's subscribed read sets, looked up by each commit (subscriptions.ts). */
  subscriptions: Subscriptions;
  verifier: TokenVerifier;
  log: (line: string) => void;
  pingIntervalMs?: number;
  /** How long (ms) a run of back-to-back mutations may hold its answers (default MAX_HOLD_MS; tests raise it). */
  maxHoldMs?: number;
  /** Test hook: called after a mutation ran and before its response is sent; may close the socket. */
  afterMutation?: (session: ClientSession, requestId: number) => void;
}

function hashResult(result: RunResult, journal: QueryJournal | undefined): string {
  const h = createHash("sha1");
  // The runtime's JSON text when the engine has it: the same text JSON.stringify gives for the parsed value (it
  // was made by JSON.stringify), without serializing a large result (a file's text) once more per re-run.
  if (result.ok) h.update("ok\0").update(result.json ?? JSON.stringify(result.value));
  else h.update("err\0").update(result.error).update("\0").update(JSON.stringify(result.errorData ?? null));
  h.update("\0").update(journal ?? "");
  return h.digest("base64");
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The engine's key for answering a re-sent mutation with its first result. The session id is chosen by the
 * client, so the key also holds the caller and the function: another user, or another function, reusing a
 * session id and request id runs its own mutation instead of receiving someone else's result.
 */
export function mutationReplayKey(identity: Identity | null, udfPath: string, sessionId: string, requestId: number): string {
  const parts = [identity?.tokenIdentifier ?? null, udfPath, sessionId, requestId];
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url");
}

export class ClientSession {
  sessionId: string = randomUUID();
  private version: StateVersion = { querySet: 0, identity: 0, ts: 0n };
  private identity: Identity | null = null;
  private identityExpiresAt: number | null = null;
  private readonly queries = new Map<number, Subscription>();
  private liveQueries = 0;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Commits delivered while this connection's queries were running, to check against their new read sets. */
  private pendingWrites: WriteSet[] = [];
  /** Queries a commit hit since their last run (found through the read index). */
  private dirty = new Set<number>();
  private rerunAll = false;
  private refreshQueued = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Whether each queued task is a Mutation, in queue order (a task's entry leaves when it starts). */
  private readonly queuedMutations: boolean[] = [];
  /** How many of them are Mutations. */
  private mutationsQueued = 0;
  /** The ModifyQuerySet messages of the queue's last task while it has not started (see the invariants above). */
  private querySetBatch: ModifyQuerySet[] | null = null;
  /** Query set changes applied and left for the next mutation run to answer (see the invariants above). */
  private deferredQuerySet: QuerySetChange | null = null;
  /** The current run of back-to-back mutations: started, not answered yet (see the invariants above). */
  private run: { answers: Promise<MutationAnswer>[]; since: number } | null = null;
  private clientClockSkew: number | undefined;
  /** Whether this connection was sent a Transition yet. */
  private sentTransition = false;
  private closed = false;
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: SessionContext,
  ) {
    this.ping = setInterval(() => this.send({ type: "Ping" }), ctx.pingIntervalMs ?? PING_INTERVAL_MS);
    this.ping.unref();
    ws.on("message", (data, isBinary) => this.onFrame(data, isBinary));
    ws.on("close", () => this.dispose());
    ws.on("error", (error) => {
      this.ctx.log(`sync: connection error: ${error.message}`);
      this.dispose();
    });
  }

  get subscriptionCount(): number {
    return this.queries.size;
  }

  /** Closes the socket from the server side (tests use it to simulate a dropped connection). */
  terminate(): void {
    this.ws.terminate();
    this.dispose();
  }

  /** A commit hit the read set of the subscribed query `queryId` (subscriptions.ts). */
  invalidate(queryId: number): void {
    if (this.closed) return;
    this.dirty.add(queryId);
    this.scheduleRefresh();
  }

  /** A commit delivered while this connection re-runs queries, whose new read sets are not filed yet. */
  commitWhileRunning(writes: WriteSet): void {
    if (this.closed || this.queries.size === 0) return;
    this.pendingWrites.push(writes);
    this.scheduleRefresh();
  }

  onReload(): void {
    if (this.closed) return;
    this.rerunAll = true;
    this.scheduleRefresh();
  }

  private dispose() {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    this.clearExpiryTimer();
    for (const sub of this.queries.values()) this.ctx.subscriptions.index.delete(sub.watched);
    this.ctx.subscriptions.running.delete(this);
    this.queries.clear();
    this.liveQueries = 0;
    this.pendingWrites = [];
    this.dirty.clear();
    this.run = null;
    this.querySetBatch = null;
    this.deferredQuerySet = null;
  }

  private send(message: ServerMessage) {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.ctx.log("sync: closing a connection whose client does not read its messages");
      this.ws.close(1008, "client is not reading");
      this.dispose();
      return;
    }
    // The clock fields go on the first Transition and on those that change the identity (protocol.ts says why).
    const clock =
      message.type !== "Transition" || !this.sentTransition || message.endVersion.identity !== message.startVersion.identity;
    if (message.type === "Transition") this.sentTransition = true;
    this.ws.send(serializeServerMessage(message, { clock }), { compress: compressed(message) });
  }

  /**
   * Sends the messages in order and, as far as the socket allows, in one write: the socket is corked around
   * them (each `ws` frame is otherwise its own writev syscall). `_socket` is the `ws` WebSocket's underlying
   * net.Socket; without it the messages still go out in order, one write each. On a connection that negotiated
   * permessage-deflate (server/index.ts SYNC_DEFLATE) a message of up to DEFLATE_INLINE_MAX_BYTES is compressed at
   * once (server/inflate.ts) and joins the write; a longer one is compressed on the thread pool and written when
   * done, after the uncork: in order, a write of its own.
   */
  private sendTogether(messages: ServerMessage[]) {
    const socket = messages.length > 1 ? (this.ws as unknown as { _socket?: Duplex | null })._socket : null;
    socket?.cork();
    try {
      for (const message of messages) this.send(message);
    } finally {
      socket?.uncork();
    }
  }

  private fatal(error: string) {
    if (this.closed) return;
    this.send({ type: "FatalError", error });
    this.ws.close(1008, error.length > 100 ? `${error.slice(0, 100)}...` : error);
    this.dispose();
  }

  private onFrame(data: RawData, isBinary: boolean) {
    if (this.closed) return;
    if (isBinary) return this.fatal("Binary frames are not part of the sync protocol: send JSON text frames.");
    const text = Buffer.isBuffer(data)
      ? data.toString("utf8")
      : Array.isArray(data)
        ? Buffer.concat(data).toString("utf8")
        : Buffer.from(data).toString("utf8");
    let message: ClientMessage;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      if (error instanceof ProtocolError) return this.fatal(`Invalid message: ${error.message}.`);
      throw error;
    }
    switch (message.type) {
      case "Event":
        return;
      case "Connect":
        this.sessionId = message.sessionId;
        // The stock client defines the skew as clientTs - serverReceiveTs (authentication_manager.ts,
        // web_socket_manager.ts reportLargeTransition); the opposite sign doubles its clock offset instead of
        // cancelling it, so clients report every Transition as "took more than 20s to arrive".
        if (message.clientTs !== undefined) this.clientClockSkew = message.clientTs - Date.now();
        return;
      case "ModifyQuerySet":
        return this.enqueueQuerySet(message);
      default:
        this.enqueue(() => this.handle(message), message.type === "Mutation");
    }
  }

  /** Joins the not yet started ModifyQuerySet task at the queue's tail, or queues a new one. */
  private enqueueQuerySet(message: ModifyQuerySet) {
    const tail = this.querySetBatch;
    if (tail !== null && tail.length < MAX_QUERY_SET_BATCH) {
      if (this.queued >= MAX_QUEUED_MESSAGES) return this.tooManyQueued();
      this.queued++;
      tail.push(message);
      return;
    }
    const batch = [message];
    this.enqueue(
      () => {
        if (this.querySetBatch === batch) this.querySetBatch = null;
        return this.modifyQuerySets(batch);
      },
      false,
      () => batch.length,
    );
    this.querySetBatch = batch;
  }

  private tooManyQueued() {
    this.fatal(`Too many requests in flight (more than ${MAX_QUEUED_MESSAGES}): wait for responses before sending more.`);
  }

  /** Queues a task; `weight` is how many messages it answers (counted against MAX_QUEUED_MESSAGES). */
  private enqueue(task: () => Promise<void>, isMutation = false, weight: () => number = () => 1) {
    if (this.queued >= MAX_QUEUED_MESSAGES) return this.tooManyQueued();
    this.queued++;
    // Whatever is queued after this task, a later ModifyQuerySet must not join an earlier one past it.
    this.querySetBatch = null;
    this.queuedMutations.push(isMutation);
    if (isMutation) this.mutationsQueued++;
    this.queue = this.queue
      .then(() => {
        if (this.queuedMutations.shift()) this.mutationsQueued--;
        return this.closed ? undefined : task();
      })
      .then(
        () => {
          this.queued -= weight();
        },
        (error: unknown) => {
          this.queued -= weight();
          this.ctx.log(`sync: internal error: ${(error as Error)?.stack ?? String(error)}`);
          this.fatal(`Internal server error: ${errorMessage(error)}`);
        },
      );
  }

  private scheduleRefresh() {
    if (this.refreshQueued) return;
    // A queued mutation re-runs the marked queries when its run is answered (answerRun): a refresh queued behind it
    // would only split a burst of pipelined mutations in two runs, each answered on its own.
    if (this.mutationsQueued > 0) return;
    this.refreshQueued = true;
    this.enqueue(async () => {
      this.refreshQueued = false;
      // A mutation of this connection re-runs its queries itself, and may have taken every pending write.
      if (this.pendingWrites.length === 0 && this.dirty.size === 0 && !this.rerunAll) return;
      await this.refresh({});
    });
  }

  private async handle(message: Exclude<ClientMessage, { type: "Connect" | "Event" | "ModifyQuerySet" }>): Promise<void> {
    switch (message.type) {
      case "Authenticate":
        return this.authenticate(message);
      case "Mutation":
        return this.mutation(message);
      case "Action":
        this.action(message);
        return;
    }
  }

  /**
   * Applies queued ModifyQuerySet messages in order and answers them with one Transition, or leaves the answer to
   * the mutation queued next (see the invariants above).
   */
  private async modifyQuerySets(batch: readonly ModifyQuerySet[]) {
    // A change left to a mutation run is answered by it unless the connection closed first; kept on regardless, so
    // the versions checked here always include every change applied.
    const change = this.deferredQuerySet ?? { added: new Set(), refused: new Set(), extra: [], querySet: this.version.querySet };
    this.deferredQuerySet = null;
    for (const message of batch) {
      if (message.baseVersion !== change.querySet) {
        return this.fatal(
          `ModifyQuerySet baseVersion ${message.baseVersion} does not match the server's query set version ${change.querySet}.`,
        );
      }
      if (message.newVersion !== message.baseVersion + 1) {
        return this.fatal(`ModifyQuerySet newVersion must be baseVersion + 1 (${message.baseVersion + 1}), got ${message.newVersion}.`);
      }
      if (!this.applyQuerySetModifications(message, change.added, change.refused, change.extra)) return;
      change.querySet = message.newVersion;
    }
    if (this.queuedMutations[0] === true) {
      this.deferredQuerySet = change;
      return;
    }
    await this.refresh(this.querySetAnswer(change));
  }

  /** What the Transition answering `change` runs and carries (the refused queries fail at once). */
  private querySetAnswer({ added, refused, extra, querySet }: QuerySetChange): RefreshOptions {
    const failures: StateModification[] = [...refused].map((queryId) => ({
      type: "QueryFailed",
      queryId,
      errorMessage: `Too many subscriptions on one connection: at most ${MAX_SUBSCRIPTIONS} queries can be subscribed at once. Unsubscribe from queries you no longer use, then subscribe to this one again.`,
      logLines: [],
      journal: this.queries.get(queryId)!.journal,
    }));
    return { added, extra: [...extra, ...failures], querySet };
  }

  /** One message's Adds and Removes, recorded in `added`, `refused` and `extra`; false after a fatal error. */
  private applyQuerySetModifications(message: ModifyQuerySet, added: Set<number>, refused: Set<number>, extra: StateModification[]): boolean {
    for (const mod of message.modifications) {
      if (mod.type === "Add") {
        if (this.queries.has(mod.queryId)) {
          this.fatal(`ModifyQuerySet adds query ${mod.queryId}, which is already subscribed.`);
          return false;
        }
        if (this.queries.size >= MAX_QUERY_SET_ENTRIES) {
          this.fatal(`Too many subscriptions on one connection (more than ${MAX_QUERY_SET_ENTRIES}): unsubscribe from queries you no longer use.`);
          return false;
        }
        const over = this.liveQueries >= MAX_SUBSCRIPTIONS;
        this.queries.set(mod.queryId, {
          udfPath: canonicalizeUdfPath(mod.udfPath),
          args: over ? {} : mod.args,
          journal: mod.journal,
          clientJournal: undefined,
          reads: null,
          watched: { session: this, queryId: mod.queryId },
          resultHash: null,
          refused: over,
        });
        if (over) {
          refused.add(mod.queryId);
        } else {
          this.liveQueries++;
          added.add(mod.queryId);
        }
      } else {
        const sub = this.queries.get(mod.queryId);
        if (!sub) {
          this.fatal(`ModifyQuerySet removes query ${mod.queryId}, which is not subscribed.`);
          return false;
        }
        this.queries.delete(mod.queryId);
        this.ctx.subscriptions.index.delete(sub.watched);
        this.dirty.delete(mod.queryId);
        if (!sub.refused) this.liveQueries--;
        // Added earlier in the same batch: the client never heard of it, so there is nothing to take back.
        const unanswered = added.delete(mod.queryId) || refused.delete(mod.queryId);
        if (!unanswered) extra.push({ type: "QueryRemoved", queryId: mod.queryId });
      }
    }
    return true;
  }

  private async authenticate(message: Extract<ClientMessage, { type: "Authenticate" }>) {
    if (message.baseVersion < this.version.identity) {
      return this.fatal(
        `Authenticate baseVersion ${message.baseVersion} is older than the server's identity version ${this.version.identity}.`,
      );
    }
    let identity: Identity | null = null;
    let expiresAt: number | null = null;
    if (message.tokenType === "Admin") {
      return this.rejectAuthentication(
        "Admin keys are not accepted over the sync protocol of the local backend: sign in with a user token.",
        message.baseVersion,
      );
    }
    if (message.tokenType === "User") {
      try {
        identity = await this.ctx.verifier.verify(message.value ?? "");
        expiresAt = tokenExpiry(message.value ?? "");
      } catch (error) {
        const text = error instanceof AuthTokenError ? error.message : `Could not verify the auth token: ${errorMessage(error)}`;
        return this.rejectAuthentication(text, message.baseVersion);
      }
    }
    if (this.closed) return;
    this.identity = identity;
    this.identityExpiresAt = expiresAt;
    this.scheduleExpiry();
    await this.refresh({ identity: message.baseVersion + 1, rerunAll: true });
  }

  /**
   * A refused Authenticate ends the connection's identity, as Convex does: AuthError, then the socket closes, so
   * nothing more runs under the previous token. The stock client fetches a fresh token (or carries on signed
   * out) and reconnects, re-sending its queries and unanswered mutations.
   */
  private rejectAuthentication(error: string, baseVersion: number) {
    this.identity = null;
    this.identityExpiresAt = null;
    this.send({ type: "AuthError", error, baseVersion, authUpdateAttempted: true });
    this.closeAfterAuthError();
  }

  private closeAfterAuthError() {
    if (this.closed) return;
    this.ws.close(1000, "AuthError");
    this.dispose();
  }

  private clearExpiryTimer() {
    if (this.expiryTimer !== null) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** Tells the client at once when its token expires, so it refreshes before it next needs the connection. */
  private scheduleExpiry() {
    this.clearExpiryTimer();
    if (this.identityExpiresAt === null) return;
    const delay = this.identityExpiresAt * 1000 - Date.now();
    if (delay > MAX_TIMER_MS) return;
    this.expiryTimer = setTimeout(() => this.rejectExpiredIdentity(), Math.max(0, delay) + 1);
    this.expiryTimer.unref();
  }

  private identityExpired(): boolean {
    return this.identityExpiresAt !== null && Date.now() / 1000 >= this.identityExpiresAt;
  }

  /** True (and the client told to re-authenticate) when the connection's token has expired. */
  private rejectExpiredIdentity(): boolean {
    if (this.closed) return true;
    if (!this.identityExpired()) return false;
    this.identity = null;
    this.send({
      type: "AuthError",
      error: "Auth token expired: sign in again to get a fresh token.",
      baseVersion: this.version.identity,
      authUpdateAttempted: false,
    });
    // The client re-sends unanswered mutations on the next connection, after it has fetched a fresh token.
    this.closeAfterAuthError();
    return true;
  }

  /**
   * Starts the mutation (see the invariants above): while the next queued message is another Mutation, within the
   * run's limits, its answer is left to the last of the run; otherwise this one answers the whole run.
   */
  private async mutation(message: Extract<ClientMessage, { type: "Mutation" }>) {
    const run = (this.run ??= { answers: [], since: Date.now() });
    run.answers.push(this.startMutation(message));
    const open = () => run.answers.length < MAX_PIPELINED && Date.now() - run.since < (this.ctx.maxHoldMs ?? MAX_HOLD_MS);
    if (this.queuedMutations[0] === true && open()) return;
    // Mutations a client sent together may still be arriving: each compressed frame is inflated asynchronously,
    // so the first of a burst ran alone and every one got its own Transition (a whole listing bucket each, in a
    // bench/offline replay). Those queued while this run's commits become durable, which answerRun waits for
    // anyway, join the run.
    if (open()) {
      await Promise.all(run.answers);
      if (this.queuedMutations[0] === true && open()) return;
    }
    this.run = null;
    await this.answerRun(run.answers);
  }

  /** Hands the mutation to the engine at once; the promise settles once its result is durable, and never rejects. */
  private async startMutation(message: Extract<ClientMessage, { type: "Mutation" }>): Promise<MutationAnswer> {
    // Nothing runs under an expired token: the run is answered up to here, then the client is told (answerRun).
    if (this.identityExpired()) return EXPIRED;
    const { requestId } = message;
    if (message.componentPath) return { requestId, response: componentRefusal("MutationResponse", requestId, message.componentPath), ts: 0n };
    let result: RunResult & { ts: bigint };
    try {
      const udfPath = canonicalizeUdfPath(message.udfPath);
      result = await this.ctx.engine.runMutation(udfPath, message.args, this.identity, {
        idempotencyKey: mutationReplayKey(this.identity, udfPath, this.sessionId, requestId),
      });
    } catch (error) {
      this.ctx.log(`sync: mutation ${message.udfPath} crashed the engine: ${(error as Error)?.stack ?? String(error)}`);
      result = { ok: false, error: `Server error: ${errorMessage(error)}`, logLines: [], ts: 0n };
    }
    if (!result.ok) {
      const failure: ServerMessage = {
        type: "MutationResponse",
        requestId,
        success: false,
        result: result.error,
        logLines: result.logLines,
        ...(result.errorData !== undefined ? { errorData: result.errorData } : {}),
      };
      // A refusal needs no Transition.
      return { requestId, response: failure, ts: 0n };
    }
    const response: ServerMessage = {
      type: "MutationResponse",
      requestId,
      success: true,
      result: result.value,
      ts: result.ts,
      logLines: result.logLines,
    };
    return { requestId, response, ts: result.ts };
  }

  /**
   * Waits for the run's answers in order, re-runs the queries once and sends every answer, then a Transition
   * reaching the latest successful one's ts (none when all were refused). The client resolves a mutation only on
   * that Transition, so holding its answer while the queries re-run costs it nothing, and all go out in one write.
   */
  private async answerRun(answers: Promise<MutationAnswer>[]) {
    const messages: ServerMessage[] = [];
    let ts = 0n;
    let expired = false;
    for (const pending of answers) {
      const answer = await pending;
      if (answer === EXPIRED) {
        // Later ones were not run either (expiry only comes closer); the client re-sends them after re-authenticating.
        expired = true;
        break;
      }
      this.ctx.afterMutation?.(this, answer.requestId);
      if (this.closed) return;
      messages.push(answer.response);
      if (answer.ts > ts) ts = answer.ts;
    }
    if (expired || this.identityExpired()) {
      this.sendTogether(messages);
      this.rejectExpiredIdentity();
      return;
    }
    // Queries a commit marked meanwhile are re-run here even when every mutation was refused: no refresh was queued
    // for them while mutations were queued (scheduleRefresh). A query set change left to this run is answered here.
    const querySet = this.deferredQuerySet;
    this.deferredQuerySet = null;
    const refresh = querySet !== null || ts > 0n || this.dirty.size > 0 || this.pendingWrites.length > 0 || this.rerunAll;
    const opts: RefreshOptions = { ...(querySet ? this.querySetAnswer(querySet) : {}), ...(ts > 0n ? { force: true, atLeast: ts } : {}) };
    const transition = refresh ? await this.nextTransition(opts) : null;
    if (this.closed) return;
    this.sendTogether(transition ? [...messages, transition] : messages);
  }

  /** Starts an action; it answers on its own, so the queue does not wait for it. */
  private action(message: Extract<ClientMessage, { type: "Action" }>) {
    if (this.rejectExpiredIdentity()) return;
    const { requestId } = message;
    if (message.componentPath) {
      this.send(componentRefusal("ActionResponse", requestId, message.componentPath));
      return;
    }
    const identity = this.identity;
    // Actions may run for minutes (AI streaming): they run beside the queue, so queries keep updating meanwhile.
    void (async () => {
      let result: RunResult;
      try {
        result = await this.ctx.engine.runAction(canonicalizeUdfPath(message.udfPath), message.args, identity);
      } catch (error) {
        this.ctx.log(`sync: action ${message.udfPath} crashed the engine: ${(error as Error)?.stack ?? String(error)}`);
        result = { ok: false, error: `Server error: ${errorMessage(error)}`, logLines: [] };
      }
      if (result.ok) {
        this.send({ type: "ActionResponse", requestId, success: true, result: result.value, logLines: result.logLines });
      } else {
        this.send({
          type: "ActionResponse",
          requestId,
          success: false,
          result: result.error,
          logLines: result.logLines,
          ...(result.errorData !== undefined ? { errorData: result.errorData } : {}),
        });
      }
    })();
  }

  /**
   * Re-runs the queries that the commits since the last refresh may have changed (or all of them, or the new
   * ones), and sends one Transition with the changed results.
   */
  private async refresh(opts: RefreshOptions) {
    const transition = await this.nextTransition(opts);
    if (transition) this.send(transition);
  }

  /**
   * The Transition `refresh` sends, or null when there is nothing to send. The session's version becomes its
   * endVersion: the caller must send it before anything else that reads the version (it holds the queue).
   */
  private async nextTransition(opts: RefreshOptions): Promise<ServerMessage | null> {
    // Queries never run under an expired token; the client is told to refresh it instead.
    if (this.rejectExpiredIdentity()) return null;
    const { running } = this.ctx.subscriptions;
    running.add(this);
    try {
      return await this.rerun(opts);
    } finally {
      running.delete(this);
    }
  }

  /** nextTransition's work, while this connection is among the running ones (subscriptions.ts). */
  private async rerun(opts: RefreshOptions): Promise<ServerMessage | null> {
    const engine = this.ctx.engine;
    const index = this.ctx.subscriptions.index;
    const writes = this.pendingWrites;
    this.pendingWrites = [];
    const dirty = this.dirty;
    this.dirty = new Set();
    const rerunAll = this.rerunAll || opts.rerunAll === true;
    this.rerunAll = false;
    // Every commit up to snapshotTs has been delivered to onCommit already (the engine notifies before it resolves).
    const snapshotTs = engine.currentTs();
    const toRun: number[] = [];
    for (const [queryId, sub] of this.queries) {
      if (sub.refused) continue;
      if (
        rerunAll ||
        dirty.has(queryId) ||
        opts.added?.has(queryId) ||
        (sub.reads !== null && writes.some((w) => engine.invalidates(sub.reads!, w)))
      ) {
        toRun.push(queryId);
      }
    }
    const identity = this.identity;
    // Nothing to run (a client that only writes): the Transition is built without a round through the queries' promises.
    const results = toRun.length === 0 ? [] : await mapConcurrently(toRun, MAX_CONCURRENT_QUERIES, async (queryId) => {
      const sub = this.queries.get(queryId)!;
      try {
        return await engine.runQuery(sub.udfPath, sub.args, identity, { journal: sub.journal });
      } catch (error) {
        this.ctx.log(`sync: query ${sub.udfPath} crashed the engine: ${(error as Error)?.stack ?? String(error)}`);
        return { ok: false as const, error: `Server error: ${errorMessage(error)}`, logLines: [], ts: snapshotTs, reads: null };
      }
    });
    if (this.closed) return null;
    const modifications: StateModification[] = [...(opts.extra ?? [])];
    let endTs = snapshotTs;
    toRun.forEach((queryId, i) => {
      const sub = this.queries.get(queryId)!;
      const result = results[i];
      if (result.ts < endTs) endTs = result.ts;
      sub.reads = result.reads;
      index.set(sub.watched, result.reads);
      const journal = result.journal === undefined ? sub.journal : result.journal;
      sub.journal = journal;
      const hash = hashResult(result, journal);
      if (hash === sub.resultHash) return;
      sub.resultHash = hash;
      if (result.ok) {
        if (journal === sub.clientJournal) {
          modifications.push({ type: "QueryUpdated", queryId, value: result.value, logLines: result.logLines });
        } else {
          modifications.push({ type: "QueryUpdated", queryId, value: result.value, logLines: result.logLines, journal });
          sub.clientJournal = journal;
        }
      } else {
        modifications.push({
          type: "QueryFailed",
          queryId,
          errorMessage: result.error,
          logLines: result.logLines,
          journal,
          ...(result.errorData !== undefined ? { errorData: result.errorData } : {}),
        });
        sub.clientJournal = journal;
      }
    });
    if (opts.atLeast !== undefined && endTs < opts.atLeast && toRun.length === 0) endTs = opts.atLeast;
    if (endTs < this.version.ts) endTs = this.version.ts;
    const start = this.version;
    const end: StateVersion = {
      querySet: opts.querySet ?? start.querySet,
      identity: opts.identity ?? start.identity,
      ts: endTs,
    };
    const changed = end.querySet !== start.querySet || end.identity !== start.identity || end.ts !== start.ts;
    if (modifications.length === 0 && !changed && !opts.force) return null;
    this.version = end;
    return {
      type: "Transition",
      startVersion: start,
      endVersion: end,
      modifications,
      ...(this.clientClockSkew !== undefined ? { clientClockSkew: this.clientClockSkew } : {}),
      serverTs: Date.now() * 1_000_000,
    };
  }
}

/** The answer to a mutation or action addressed to a component, which the local backend does not run. */
function componentRefusal(type: "MutationResponse" | "ActionResponse", requestId: number, componentPath: string): ServerMessage {
  const result = `Components are not supported by the local backend (componentPath ${JSON.stringify(componentPath)}).`;
  return { type, requestId, success: false, result, logLines: [] };
}

/** `run` over every item, at most `limit` at a time; the results in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
