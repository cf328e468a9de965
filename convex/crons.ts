import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.daily("sweep expired client operation ids", { hourUTC: 3, minuteUTC: 17 }, internal.clientOps.sweep, {});

crons.daily("sweep the trash of files deleted over TRASH_RETENTION_DAYS ago", { hourUTC: 3, minuteUTC: 41 }, internal.trash.sweep, {});

crons.hourly("sweep expired upload grants and the uploads they allowed that were never used", { minuteUTC: 29 }, internal.uploads.sweepGrants, {});

// Every 5 minutes: a run whose action died shows as failed (and a dead import's files are gone) at most
// TRANSFER_DEAD_AFTER_MS + 5 minutes after its last step; each run ends a bounded batch and chains for more.
crons.interval("end imports and exports whose action died", { minutes: 5 }, internal.transfers.sweepDead, {});

export default crons;
