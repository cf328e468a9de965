// Next run times for convex/crons.ts schedules (all in UTC, as Convex does).

export type Schedule =
  | { type: "interval"; seconds?: number; minutes?: number; hours?: number }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  | { type: "weekly"; dayOfWeek: string; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number }
  | { type: "cron"; cron: string };

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

function parseField(field: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepStr] = part.split("/");
    const step = stepStr === undefined ? 1 : Number(stepStr);
    let lo = min;
    let hi = max;
    if (range !== "*") {
      const [a, b] = range.split("-");
      lo = Number(a);
      hi = b === undefined ? (stepStr === undefined ? lo : max) : Number(b);
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || !Number.isInteger(step) || step < 1 || lo < min || hi > max) {
      throw new Error(`Invalid cron field "${field}" (expected numbers from ${min} to ${max}).`);
    }
    for (let i = lo; i <= hi; i += step) out.add(i);
  }
  return out;
}

/** Next minute strictly after `afterMs` matching a 5-field cron expression (minute hour day month weekday). */
function nextCron(expr: string, afterMs: number): number {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`Invalid cron expression "${expr}": expected 5 fields.`);
  const [mins, hours, days, months, weekdays] = [
    parseField(fields[0], 0, 59),
    parseField(fields[1], 0, 23),
    parseField(fields[2], 1, 31),
    parseField(fields[3], 1, 12),
    parseField(fields[4].replace(/\b7\b/, "0"), 0, 6),
  ];
  const d = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < 366 * 24 * 60; i++) {
    if (
      mins.has(d.getUTCMinutes()) &&
      hours.has(d.getUTCHours()) &&
      days.has(d.getUTCDate()) &&
      months.has(d.getUTCMonth() + 1) &&
      weekdays.has(d.getUTCDay())
    ) {
      return d.getTime();
    }
    d.setTime(d.getTime() + 60_000);
  }
  throw new Error(`Cron expression "${expr}" never matches.`);
}

export function nextRun(schedule: Schedule, afterMs: number, startedMs: number): number {
  switch (schedule.type) {
    case "interval": {
      const period = ((schedule.seconds ?? 0) + (schedule.minutes ?? 0) * 60 + (schedule.hours ?? 0) * 3600) * 1000;
      if (!(period > 0)) throw new Error("A cron interval must be positive.");
      const n = Math.floor((afterMs - startedMs) / period) + 1;
      return startedMs + n * period;
    }
    case "hourly":
      return nextCron(`${schedule.minuteUTC ?? 0} * * * *`, afterMs);
    case "daily":
      return nextCron(`${schedule.minuteUTC ?? 0} ${schedule.hourUTC} * * *`, afterMs);
    case "weekly":
      return nextCron(`${schedule.minuteUTC ?? 0} ${schedule.hourUTC} * * ${DAYS.indexOf(schedule.dayOfWeek)}`, afterMs);
    case "monthly":
      return nextCron(`${schedule.minuteUTC ?? 0} ${schedule.hourUTC} ${schedule.day} * *`, afterMs);
    case "cron":
      return nextCron(schedule.cron, afterMs);
  }
}
