import { existsSync, readFileSync, renameSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { ENV_NAME_RULE, isEnvName } from "../envName.js";

// Function environment variables: stored in `<dataDir>/env.json`, assigned into process.env on top of the
// defaults (which are not stored). Invariants:
// - env.json is replaced atomically (temp file, rename), so a crash leaves the old or the new set.
// - process.env always holds the defaults overlaid with the stored set; removing a stored variable brings
//   back its default, if any.

export class Env {
  private vars: Record<string, string> = {};
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly defaults: Record<string, string>,
  ) {
    this.file = path.join(dataDir, "env.json");
  }

  load() {
    this.vars = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, "utf8")) as Record<string, string>) : {};
    for (const [k, v] of Object.entries(this.defaults)) process.env[k] = v;
    for (const [k, v] of Object.entries(this.vars)) process.env[k] = v;
  }

  get(): Record<string, string> {
    return { ...this.vars };
  }

  async set(name: string, value: string | null): Promise<void> {
    if (!isEnvName(name)) {
      throw new Error(`Invalid environment variable name "${name}": ${ENV_NAME_RULE}.`);
    }
    const next = { ...this.vars };
    if (value === null) delete next[name];
    else next[name] = value;
    const tmp = this.file + ".tmp";
    await writeFile(tmp, JSON.stringify(next, null, 2));
    renameSync(tmp, this.file);
    this.vars = next;
    if (value === null) {
      const fallback = this.defaults[name];
      if (fallback !== undefined) process.env[name] = fallback;
      else delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
}
