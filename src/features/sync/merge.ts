import { diff3Merge } from "node-diff3";

export type MergeOutcome =
  /** Both sides' changes combined without overlap (or only one side changed). */
  | { kind: "clean"; text: string }
  /** Overlapping changes: `text` holds both versions between conflict markers. */
  | { kind: "conflict"; text: string };

export const MARK_MINE = "<<<<<<< mine";
export const MARK_SPLIT = "=======";
export const MARK_THEIRS = ">>>>>>> theirs";

/** Splits text into lines that keep their line endings, so joining them gives the text back exactly. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function withNewline(chunk: string): string {
  return chunk === "" || chunk.endsWith("\n") ? chunk : chunk + "\n";
}

function markers(mine: string, theirs: string): string {
  return `${MARK_MINE}\n${withNewline(mine)}${MARK_SPLIT}\n${withNewline(theirs)}${MARK_THEIRS}\n`;
}

/**
 * Line-based three-way merge. `base` is the text both sides started from; without it (the base was never
 * cached) only identical texts merge cleanly. Identical changes on both sides are not a conflict.
 */
export function mergeThreeWay(base: string | undefined, mine: string, theirs: string): MergeOutcome {
  if (mine === theirs) return { kind: "clean", text: mine };
  if (base === undefined) return { kind: "conflict", text: markers(mine, theirs) };
  if (base === theirs) return { kind: "clean", text: mine };
  if (base === mine) return { kind: "clean", text: theirs };
  const regions = diff3Merge(lines(mine), lines(base), lines(theirs), { excludeFalseConflicts: true });
  let text = "";
  let conflict = false;
  for (const region of regions) {
    if (region.ok) {
      text += region.ok.join("");
    } else if (region.conflict) {
      conflict = true;
      text += markers(region.conflict.a.join(""), region.conflict.b.join(""));
    }
  }
  return conflict ? { kind: "conflict", text } : { kind: "clean", text };
}
