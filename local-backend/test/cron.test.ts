// The schedules Convex documents for convex/crons.ts (interval, hourly, daily, weekly, monthly, cron), in UTC.
import { describe, expect, it } from "vitest";
import { nextRun } from "../src/engine/cron.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("nextRun", () => {
  it("runs intervals on a fixed grid from the start", () => {
    const start = at("2026-01-01T00:00:00Z");
    expect(iso(nextRun({ type: "interval", minutes: 5 }, start, start))).toBe("2026-01-01T00:05:00.000Z");
    expect(iso(nextRun({ type: "interval", seconds: 30 }, start + 45_000, start))).toBe("2026-01-01T00:01:00.000Z");
    expect(() => nextRun({ type: "interval" }, start, start)).toThrow(/positive/);
  });

  it("hourly, daily, weekly and monthly use UTC fields", () => {
    const now = at("2026-03-10T10:30:00Z"); // a Tuesday
    expect(iso(nextRun({ type: "hourly", minuteUTC: 15 }, now, now))).toBe("2026-03-10T11:15:00.000Z");
    expect(iso(nextRun({ type: "daily", hourUTC: 9, minuteUTC: 0 }, now, now))).toBe("2026-03-11T09:00:00.000Z");
    expect(iso(nextRun({ type: "weekly", dayOfWeek: "monday", hourUTC: 8 }, now, now))).toBe("2026-03-16T08:00:00.000Z");
    expect(iso(nextRun({ type: "monthly", day: 1, hourUTC: 0 }, now, now))).toBe("2026-04-01T00:00:00.000Z");
  });

  it("skips months that lack the day", () => {
    const now = at("2026-01-31T12:00:00Z");
    expect(iso(nextRun({ type: "monthly", day: 31, hourUTC: 0 }, now, now))).toBe("2026-03-31T00:00:00.000Z");
  });

  it("is strictly after the given time", () => {
    const now = at("2026-03-10T10:15:00Z");
    expect(iso(nextRun({ type: "cron", cron: "15 10 * * *" }, now, now))).toBe("2026-03-11T10:15:00.000Z");
  });

  it("ORs day-of-month with day-of-week when both are restricted, as cron does", () => {
    // "At 00:00 on the 13th, and on every Friday": from Monday 2026-03-09 the next is the 13th (a Friday) and then
    // Friday the 20th, not only Fridays that fall on the 13th.
    const now = at("2026-03-09T00:00:00Z");
    const first = nextRun({ type: "cron", cron: "0 0 13 * 5" }, now, now);
    expect(iso(first)).toBe("2026-03-13T00:00:00.000Z");
    expect(iso(nextRun({ type: "cron", cron: "0 0 13 * 5" }, first, now))).toBe("2026-03-20T00:00:00.000Z");
    // Day-of-month alone, and a weekday alone.
    expect(iso(nextRun({ type: "cron", cron: "0 0 1 * *" }, now, now))).toBe("2026-04-01T00:00:00.000Z");
    expect(iso(nextRun({ type: "cron", cron: "0 0 * * 0" }, now, now))).toBe("2026-03-15T00:00:00.000Z");
  });

  it("supports lists, ranges, steps and 7 as Sunday", () => {
    const now = at("2026-03-09T00:00:00Z");
    expect(iso(nextRun({ type: "cron", cron: "*/20 9-17 * * 1-5" }, now, now))).toBe("2026-03-09T09:00:00.000Z");
    expect(iso(nextRun({ type: "cron", cron: "0 12 * * 7" }, now, now))).toBe("2026-03-15T12:00:00.000Z");
    expect(iso(nextRun({ type: "cron", cron: "0 0 29 2 *" }, now, now))).toBe("2028-02-29T00:00:00.000Z");
  });

  it("refuses malformed expressions with a message naming them", () => {
    const now = at("2026-03-09T00:00:00Z");
    expect(() => nextRun({ type: "cron", cron: "* * * *" }, now, now)).toThrow(/"\* \* \* \*".*5 fields/);
    expect(() => nextRun({ type: "cron", cron: "61 * * * *" }, now, now)).toThrow(/Invalid cron expression "61/);
  });
});
