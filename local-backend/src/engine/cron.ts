// Next run times for convex/crons.ts schedules (all in UTC, as Convex does).
import { CronExpressionParser } from "cron-parser";

export type Schedule =
  | { type: "interval"; seconds?: number; minutes?: number; hours?: number }
  | { type: "hourly"; minuteUTC?: number }
  | { type: "daily"; hourUTC: number; minuteUTC?: number }
  | { type: "weekly"; dayOfWeek: string; hourUTC: number; minuteUTC?: number }
  | { type: "monthly"; day: number; hourUTC: number; minuteUTC?: number }
  | { type: "cron"; cron: string };

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/**
 * Next minute strictly after `afterMs` matching a 5-field cron expression (minute hour day month weekday), in UTC.
 * Parsing and matching are cron-parser's: standard cron semantics, including "day-of-month OR day-of-week" when
 * both are restricted, which a hand-written matcher here once got wrong.
 */
function nextCron(expr: string, afterMs: number): number {
  if (expr.trim().split(/\s+/).length !== 5) {
    throw new Error(`Invalid cron expression "${expr}": expected 5 fields (minute hour day-of-month month day-of-week).`);
  }
  let parsed;
  try {
    parsed = CronExpressionParser.parse(expr, { currentDate: new Date(afterMs), tz: "UTC" });
  } catch (e) {
    throw new Error(`Invalid cron expression "${expr}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return parsed.next().getTime();
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
