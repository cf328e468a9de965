// Summarizes a trace written by bench/offline/run.ts (BENCH_PROFILE_LARGE=<dir>, best with BENCH_TRACE_ONLY=1):
// the page's main-thread tasks by what they ran (the first JavaScript function called in the task), in CPU time
// (the trace's thread time, which the machine's load changes little) and wall time, and the frame gaps over 80 ms.
// Usage: node --max-old-space-size=4096 bench/offline/trace-tasks.mjs <dir>
import { readFileSync } from "node:fs";

const dir = process.argv[2];
const raw = JSON.parse(readFileSync(`${dir}/trace.json`, "utf8"));
const events = raw.traceEvents ?? raw;
const threadNames = new Map();
for (const e of events) if (e.ph === "M" && e.name === "thread_name") threadNames.set(`${e.pid}:${e.tid}`, e.args.name);
const byThread = new Map();
for (const e of events) {
  const key = `${e.pid}:${e.tid}`;
  if (threadNames.get(key) !== "CrRendererMain" || e.ph !== "X") continue;
  if (!byThread.has(key)) byThread.set(key, []);
  byThread.get(key).push(e);
}
// The page's renderer: the main thread with the most task time.
const busy = (evs) => evs.filter((e) => e.name === "RunTask").reduce((sum, e) => sum + e.dur, 0);
const main = [...byThread.values()].sort((a, b) => busy(b) - busy(a))[0].sort((a, b) => a.ts - b.ts);
const calls = main.filter((e) => e.name === "FunctionCall");
const tasks = main.filter((e) => e.name === "RunTask");
const frames = main.filter((e) => e.name === "FireAnimationFrame").map((e) => e.ts);
const kinds = new Map();
let c = 0;
for (const task of tasks) {
  while (c < calls.length && calls[c].ts < task.ts) c++;
  const call = c < calls.length && calls[c].ts < task.ts + task.dur ? calls[c] : undefined;
  const kind = call ? `js:${call.args?.data?.functionName || "?"}` : "no JavaScript";
  const sum = kinds.get(kind) ?? { cpu: 0, wall: 0, n: 0 };
  sum.cpu += task.tdur ?? 0;
  sum.wall += task.dur;
  sum.n++;
  kinds.set(kind, sum);
}
const total = [...kinds.values()].reduce((t, k) => ({ cpu: t.cpu + k.cpu, wall: t.wall + k.wall }), { cpu: 0, wall: 0 });
const ms = (us) => `${(us / 1000).toFixed(0)} ms`;
console.log(`main-thread tasks: CPU ${ms(total.cpu)}, wall ${ms(total.wall)}, ${tasks.length} tasks, ${frames.length} frames`);
for (const [kind, k] of [...kinds].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 8)) {
  console.log(`  ${kind.padEnd(32)} CPU ${ms(k.cpu).padStart(8)}  wall ${ms(k.wall).padStart(8)}  ${k.n} tasks`);
}
const gaps = [];
for (let i = 1; i < frames.length; i++) if (frames[i] - frames[i - 1] > 80_000) gaps.push(frames[i] - frames[i - 1]);
console.log(`frame gaps over 80 ms: ${gaps.length}${gaps.length ? `, longest ${ms(Math.max(...gaps))}` : ""}`);
