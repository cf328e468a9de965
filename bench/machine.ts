/// <reference types="node" />
import os from "node:os";

/** "2 cores (AMD EPYC …), Node v20.x, 1-minute load 1.2": the machine a run is on, from the machine itself. */
export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown CPU";
  return `${cpus.length} cores (${model}), Node ${process.version}, 1-minute load ${os.loadavg()[0].toFixed(1)}`;
}
