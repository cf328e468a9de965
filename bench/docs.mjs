// The one writer of docs/benchmarks.md: each benchmark owns the section under its "## Heading" and rewrites only
// that, up to the next heading. Sections keep their order; a new one is appended.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCHMARKS_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "benchmarks.md");

const PREAMBLE =
  "# Benchmarks\n\nFigures written by `npm run bench` (bench/run.mjs). Each section is owned by its benchmark.\n";

/** Replaces (or appends) the section `## heading` of docs/benchmarks.md with `body`. */
export async function updateSection(heading, body) {
  let text = await readFile(BENCHMARKS_FILE, "utf8").catch(() => PREAMBLE);
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const start = text.indexOf(`## ${heading}\n`);
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`;
  } else {
    const next = text.indexOf("\n## ", start + 1);
    text = text.slice(0, start) + section + (next === -1 ? "" : `\n${text.slice(next + 1)}`);
  }
  await mkdir(dirname(BENCHMARKS_FILE), { recursive: true });
  await writeFile(BENCHMARKS_FILE, text.endsWith("\n") ? text : `${text}\n`);
}
