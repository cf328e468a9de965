import type { JSONValue } from "convex/values";
import { nextRun, type Schedule } from "./cron.js";
import type { Documents } from "./documents.js";
import type { Functions, Outcome, Registered } from "./functions.js";
import type { LoadedApp } from "./loader.js";
import type { Mutations } from "./mutations.js";
import { makeDoc, type Doc, type DocJson, type Store } from "./store.js";
import { writeDoc, type Tx } from "./transaction.js";

// The scheduler (`ctx.scheduler.runAfter/runAt/cancel`) and convex/crons.ts. Invariants:
// - A job is a `_scheduled_functions` document written in the scheduling transaction: a mutation that throws
//   schedules nothing. State: pending -> inProgress (actions only) -> success | failed, or pending -> canceled.
// - A mutation job runs in the mutation queue and its `success` state commits in the same transaction, so it
//   runs at most once; a failed one is marked failed in a transaction of its own.
// - An action job is marked inProgress (durably) before it starts; one interrupted by a restart is marked
//   failed at the next start, never re-run.
// - `pendingJobs` mirrors the pending jobs in the store (updated after every commit that writes the table); one
//   timer is armed for the earliest. Crons run in-process on their own timers, from the loaded app's crons.ts.

const JOBS = "_scheduled_functions";

interface CronJob {
  name: string;
  args: JSONValue[];
  schedule: Schedule;
}

export interface ScheduleArgs {
  name?: string;
  ts: number;
  args: JSONValue;
}

const jobKind = (doc: Doc) => (doc.json.state as { kind: string }).kind;

export class Scheduler {
  private readonly pendingJobs = new Map<string, number>();
  private jobTimer: NodeJS.Timeout | null = null;
  /** Jobs started by the job timer and not finished yet. */
  private readonly running = new Set<Promise<void>>();
  /** Resolved each time the job timer has fired (see `quiet`). */
  private timerFired: (() => void)[] = [];
  private cronTimers: NodeJS.Timeout[] = [];
  private closed = false;
  /** While set, due jobs stay pending (see `hold`). */
  private held = false;

  constructor(
    private readonly app: () => LoadedApp,
    private readonly store: Store,
    private readonly documents: Documents,
    private readonly functions: Functions,
    private readonly mutations: Mutations,
    private readonly log: (line: string) => void,
  ) {}

  /** Writes a pending job for the mutation or action `args.name` in the transaction; returns its id. */
  schedule(tx: Tx, args: ScheduleArgs): string {
    const udfPath = args.name;
    if (typeof udfPath !== "string") throw new Error("Function handles and component references are not supported by the local backend.");
    const colon = udfPath.indexOf(":");
    const mod = (colon === -1 ? udfPath : udfPath.slice(0, colon)).replace(/\.(js|ts)$/, "");
    const name = colon === -1 ? "default" : udfPath.slice(colon + 1);
    const fn = this.app().modules.get(mod)?.[name] as Registered | undefined;
    if (!fn || !(fn.isMutation || fn.isAction)) {
      throw new Error(`Attempted to schedule function at nonexistent path: ${udfPath}. Only mutations and actions can be scheduled.`);
    }
    if (typeof args.ts !== "number" || !Number.isFinite(args.ts)) throw new Error("The scheduled time must be a finite number.");
    const normalized = `${mod}:${name}`;
    return this.documents.insert(
      tx,
      JOBS,
      { name: normalized, args: [args.args ?? {}], scheduledTime: args.ts * 1000, state: { kind: "pending" } },
      true,
    );
  }

  cancel(tx: Tx, id: string) {
    const table = this.store.tableOfId(id);
    if (table !== JOBS) throw new Error(`cancel() needs an id from "_scheduled_functions", got "${id}".`);
    const doc = this.store.tables.get(table)!.docs.get(id);
    if (!doc) return;
    const state = jobKind(doc);
    if (state !== "pending" && state !== "inProgress") return;
    this.setJobState(tx, doc, { kind: "canceled" }, true);
  }

  private setJobState(tx: Tx, doc: Doc, state: JSONValue, completed: boolean) {
    const json: DocJson = { ...doc.json, state };
    if (completed) json.completedTime = this.functions.now();
    writeDoc(this.store, tx, doc.table, doc.id, makeDoc(doc.table, json));
  }

  /** Called after every commit: tracks the jobs it made pending or took out of pending. */
  noteCommitted(tx: Tx) {
    let touched = false;
    const table = this.store.tables.get(JOBS)!;
    for (const [id, t] of tx.written) {
      if (t !== JOBS) continue;
      touched = true;
      const doc = table.docs.get(id);
      if (doc && jobKind(doc) === "pending") this.pendingJobs.set(id, doc.json.scheduledTime as number);
      else this.pendingJobs.delete(id);
    }
    if (touched) this.armJobTimer();
  }

  /** At start: finds the pending jobs, marks actions interrupted by the last stop failed, starts the crons. */
  async start() {
    const table = this.store.tables.get(JOBS)!;
    const interrupted: Doc[] = [];
    for (const doc of table.docs.values()) {
      const kind = jobKind(doc);
      if (kind === "pending") this.pendingJobs.set(doc.id, doc.json.scheduledTime as number);
      else if (kind === "inProgress") interrupted.push(doc);
    }
    if (interrupted.length) {
      await this.mutations.transact((tx) => {
        for (const doc of interrupted) {
          this.setJobState(tx, doc, { kind: "failed", error: "The backend restarted while this action was running." }, true);
        }
      });
    }
    this.armJobTimer();
    this.startCrons();
  }

  close() {
    this.closed = true;
    if (this.jobTimer) clearTimeout(this.jobTimer);
    for (const resolve of this.timerFired.splice(0)) resolve();
    for (const t of this.cronTimers) clearTimeout(t);
  }

  /**
   * For tests: while `held`, jobs that fall due stay pending, as on a deployment too busy to run them, and the
   * engine counts as idle; released, they run. A test runs a chain's steps itself and looks at the state between
   * them. Crons are not held.
   */
  hold(held: boolean) {
    this.held = held;
    this.armJobTimer();
    if (held) for (const resolve of this.timerFired.splice(0)) resolve();
  }

  private armJobTimer() {
    if (this.closed) return;
    if (this.jobTimer) clearTimeout(this.jobTimer);
    this.jobTimer = null;
    if (this.held) return;
    let next = Infinity;
    for (const t of this.pendingJobs.values()) if (t < next) next = t;
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - this.functions.now()), 2 ** 31 - 1);
    this.jobTimer = setTimeout(() => this.runDueJobs(), delay);
    this.jobTimer.unref();
  }

  private runDueJobs() {
    this.jobTimer = null;
    if (this.closed) return;
    const now = this.functions.now();
    const due = [...this.pendingJobs].filter(([, t]) => t <= now).sort((a, b) => a[1] - b[1]);
    for (const [id] of due) {
      this.pendingJobs.delete(id);
      const run = this.runJob(id).catch((e) => this.log(`[engine] scheduled job ${id} failed to run: ${String(e)}`));
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
    this.armJobTimer();
    for (const resolve of this.timerFired.splice(0)) resolve();
  }

  /** True while a job runs, or a pending job is due (its timer is about to fire). */
  get busy(): boolean {
    if (this.running.size > 0) return true;
    if (this.closed || this.held) return false;
    const now = this.functions.now();
    for (const t of this.pendingJobs.values()) if (t <= now) return true;
    return false;
  }

  /** Resolves once no job runs and none is due (jobs due later do not count). */
  async quiet(): Promise<void> {
    while (this.busy) {
      if (this.running.size > 0) await Promise.all(this.running);
      // A due job's timer is armed with no delay left: wait for it to fire.
      else await new Promise<void>((resolve) => this.timerFired.push(resolve));
    }
  }

  private async runJob(id: string) {
    const table = this.store.tables.get(JOBS)!;
    const current = () => {
      const doc = table.docs.get(id);
      return doc && jobKind(doc) === "pending" ? doc : null;
    };
    const first = current();
    if (!first) return;
    const udfPath = first.json.name as string;
    const args = (first.json.args as JSONValue[])[0] ?? {};
    const colon = udfPath.indexOf(":");
    const fn = this.app().modules.get(udfPath.slice(0, colon))?.[udfPath.slice(colon + 1)] as Registered | undefined;
    if (fn?.isAction) {
      const started = await this.mutations.transact((tx) => {
        const doc = current();
        if (!doc) return false;
        this.setJobState(tx, doc, { kind: "inProgress" }, false);
        return true;
      });
      if (!started) return;
      const out = await this.functions.runAction(udfPath, args, null, true);
      this.logJob(udfPath, out);
      await this.mutations.transact((tx) => {
        const doc = table.docs.get(id);
        if (!doc || jobKind(doc) !== "inProgress") return;
        this.setJobState(tx, doc, out.ok ? { kind: "success" } : { kind: "failed", error: out.error }, true);
      });
      return;
    }
    await this.mutations.enqueue(async () => {
      if (!current()) return;
      const out = await this.mutations.runNow(udfPath, args, null, true, undefined, (tx) => {
        const doc = current();
        if (doc) this.setJobState(tx, doc, { kind: "success" }, true);
      });
      this.logJob(udfPath, out);
      if (!out.ok) {
        await this.mutations.transactNow((tx) => {
          const doc = current();
          if (doc) this.setJobState(tx, doc, { kind: "failed", error: out.error }, true);
        });
      }
    });
  }

  private logJob(udfPath: string, out: Outcome) {
    for (const line of out.logLines) this.log(`[${udfPath}] ${line}`);
    if (!out.ok) this.log(`[engine] scheduled ${udfPath} failed: ${out.error}`);
  }

  /** (Re)arms a timer per cron of the loaded app's crons.ts (after a reload, the new ones). */
  startCrons() {
    for (const t of this.cronTimers) clearTimeout(t);
    this.cronTimers = [];
    if (this.closed) return;
    const crons = this.app().modules.get("crons")?.default as { isCrons?: boolean; crons: Record<string, CronJob> } | undefined;
    if (!crons?.isCrons) return;
    const started = this.functions.now();
    for (const [ident, job] of Object.entries(crons.crons)) {
      const arm = (after: number) => {
        let at: number;
        try {
          at = nextRun(job.schedule, after, started);
        } catch (e) {
          this.log(`[engine] cron "${ident}": ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        const timer = setTimeout(
          () => {
            this.cronTimers = this.cronTimers.filter((t) => t !== timer);
            if (this.closed) return;
            void this.runCron(ident, job.name, job.args[0] ?? {}).finally(() => arm(Math.max(at, this.functions.now())));
          },
          Math.min(Math.max(0, at - this.functions.now()), 2 ** 31 - 1),
        );
        timer.unref();
        this.cronTimers.push(timer);
      };
      arm(started);
    }
  }

  private async runCron(ident: string, udfPath: string, args: JSONValue) {
    const [mod, name] = udfPath.includes(":") ? udfPath.split(":") : [udfPath, "default"];
    const fn = this.app().modules.get(mod.replace(/\.(js|ts)$/, ""))?.[name] as Registered | undefined;
    const out = fn?.isAction ? await this.functions.runAction(udfPath, args, null, true) : await this.mutations.runInternal(udfPath, args, null);
    for (const line of out.logLines) this.log(`[cron ${ident}] ${line}`);
    if (!out.ok) this.log(`[engine] cron "${ident}" (${udfPath}) failed: ${out.error}`);
  }
}
