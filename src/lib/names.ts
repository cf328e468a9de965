// File and folder name rules, shared by every client-side check. They mirror the server's rules in
// convex/ (the server stays the authority: a client check only spares a round trip and shows the reason in place).

export const MAX_NAME_LENGTH = 255;

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\\u0000-\u001f\u007f-\u009f]/;

/** Why `name` cannot name a file or folder, or null when it can (sibling uniqueness not checked). */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return "A name is required.";
  if (name.length > MAX_NAME_LENGTH) return `A name can have at most ${MAX_NAME_LENGTH} characters.`;
  if (name === "." || name === "..") return `"${name}" is not a valid name.`;
  if (FORBIDDEN.test(name)) return "A name cannot contain /, \\ or control characters.";
  if (name.trim().length === 0) return "A name cannot be only spaces.";
  return null;
}

/**
 * Why `name` cannot be used in a folder whose children are named `siblingNames`, or null when it can.
 * `currentName` is the item's own name when renaming (so keeping it is not a clash). Comparison is
 * case-sensitive, like the server's.
 */
export function validateName(
  name: string,
  siblingNames: Iterable<string>,
  currentName?: string,
): string | null {
  const problem = nameProblem(name);
  if (problem) return problem;
  if (name === currentName) return null;
  for (const sibling of siblingNames) {
    if (sibling === name) return `"${name}" already exists here. Choose a different name.`;
  }
  return null;
}
