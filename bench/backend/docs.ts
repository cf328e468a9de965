/// <reference types="node" />
import { readFile, writeFile } from "node:fs/promises";

const START_MARK = "<!-- backend:start -->";
const END_MARK = "<!-- backend:end -->";
const SECTION_HEADING = "## Local backend";

/**
 * Replaces this benchmark's section of docs/benchmarks.md and nothing else: every "## Local backend" section (up
 * to the next "## " heading) goes, stray markers of ours go, and the new section takes the first one's place.
 * The markers sit inside the section so that a neighbour rewriting its own section up to the next heading
 * cannot take them away.
 */
export async function writeDocsSection(file: string, section: string) {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    text = "# Benchmarks\n\nFigures written by `npm run bench` (bench/run.mjs). Each section is owned by its benchmark.\n";
  }
  const out: string[] = [];
  let insertAt = -1;
  let inOurs = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("## ")) {
      inOurs = line.trim() === SECTION_HEADING;
      if (inOurs && insertAt < 0) insertAt = out.length;
    }
    if (inOurs || line.trim() === START_MARK || line.trim() === END_MARK) continue;
    out.push(line);
  }
  const block = `${SECTION_HEADING}\n${START_MARK}\n${section}\n${END_MARK}\n`;
  let next: string;
  if (insertAt < 0) next = out.join("\n").trimEnd() + "\n\n" + block;
  else {
    const before = out.slice(0, insertAt).join("\n").trimEnd();
    const after = out.slice(insertAt).join("\n").trim();
    next = before + "\n\n" + block + (after ? "\n" + after + "\n" : "");
  }
  await writeFile(file, next);
}
