import { diffIndices } from "node-diff3";

// Lines added and removed between two texts, as a review's "+a −r" shows them. Pure; the server counts when a turn
// changes a file. The common head and tail are trimmed first, so an edit in a large file costs the size of the
// edit; a changed middle longer than MAX_DIFFED_LINES on either side is counted as replaced whole, which keeps a
// mutation's work bounded (the LCS is quadratic in the worst case).

export const MAX_DIFFED_LINES = 5_000;

export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  return text.replace(/\n$/, "").split("\n");
}

export function lineCounts(before: string, after: string): { added: number; removed: number } {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  if (midA.length === 0 || midB.length === 0 || midA.length > MAX_DIFFED_LINES || midB.length > MAX_DIFFED_LINES) {
    return { added: midB.length, removed: midA.length };
  }
  let added = 0;
  let removed = 0;
  for (const hunk of diffIndices(midA, midB)) {
    removed += hunk.buffer1[1];
    added += hunk.buffer2[1];
  }
  return { added, removed };
}
