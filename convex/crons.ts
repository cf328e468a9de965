import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.daily("sweep expired client operation ids", { hourUTC: 3, minuteUTC: 17 }, internal.clientOps.sweep, {});

export default crons;
