import { appError } from "../lib/errors";

// Name rules of files, folders, projects and conversations: the server's authority, and a pure module the SPA
// imports to explain a bad name in place before sending it (a client check only spares a round trip).
// File and folder names are kept exactly as typed, project names and titles trimmed. Two siblings may not share a
// name key (`nameKey`): names that differ only in case or Unicode composition are one file on macOS and Windows.

export const MAX_NAME_LENGTH = 255;

/** The title a conversation has until the user or the assistant names it. */
export const DEFAULT_CONVERSATION_TITLE = "New conversation";

// C0 controls, DEL and C1 controls. Names are shown in the tree and used as path segments on export, where
// any of these would corrupt the display or the path.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `name` cannot name a file or folder, or null when it can (sibling uniqueness not checked). */
export function fileNameProblem(name: string): string | null {
  if (name.length === 0) return "A name is required.";
  if (name.length > MAX_NAME_LENGTH) return `A name can have at most ${MAX_NAME_LENGTH} characters.`;
  if (name === "." || name === "..") return `"${name}" is not a valid name.`;
  if (/[/\\]/.test(name) || CONTROL_CHARS.test(name)) return "A name cannot contain /, \\ or control characters.";
  if (name.trim().length === 0) return "A name cannot be only spaces.";
  // Windows drops a trailing space or dot (an exported "a.ts " becomes "a.ts"), and one is invisible in the tree.
  if (/[\s.]$/.test(name)) {
    return name.endsWith(".") ? "A name cannot end with a dot." : "A name cannot end with a space.";
  }
  if (/^\s/.test(name)) return "A name cannot start with a space.";
  return null;
}

/**
 * Names that differ only in case (README.md, readme.md) are one file on macOS and Windows: an export or a clone
 * there would lose one of them.
 */
export function caseClashMessage(name: string, existing: string): string {
  return `"${name}" differs from "${existing}" in this folder only in upper and lower case; on macOS and Windows the two would be the same file. Choose another name.`;
}

/**
 * The key under which a file or folder name must be unique among its siblings (files.nameKey, index
 * by_project_parent_nameKey): "README.md" and "readme.md", or "é" composed and decomposed, share one key. The one
 * rule, used by the server and imported by the SPA.
 */
export function nameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** The refusal for `name` when `existing` already holds its name key in the folder. */
export function siblingClashMessage(name: string, existing: string): string {
  return existing === name ? nameTakenMessage(name) : caseClashMessage(name, existing);
}

/** What a clash with an existing sibling is called, on the server and in the SPA alike. */
export function nameTakenMessage(name: string): string {
  return `"${name}" already exists in this folder. Choose another name.`;
}

/**
 * Why `name` cannot be used in a folder whose children are named `siblingNames`, or null when it can.
 * `currentName` is the item's own name when renaming (so keeping it is not a clash).
 */
export function siblingNameProblem(name: string, siblingNames: Iterable<string>, currentName?: string): string | null {
  const problem = fileNameProblem(name);
  if (problem !== null || name === currentName) return problem;
  const folded = nameKey(name);
  let caseClash: string | null = null;
  for (const sibling of siblingNames) {
    if (sibling === name) return nameTakenMessage(name);
    if (caseClash === null && sibling !== currentName && nameKey(sibling) === folded) caseClash = sibling;
  }
  return caseClash === null ? null : caseClashMessage(name, caseClash);
}

/** Validates a file or folder name; returns it unchanged. */
export function checkFileName(name: string): string {
  const problem = fileNameProblem(name);
  if (problem !== null) throw appError("INVALID_NAME", problem);
  return name;
}

/** Validates a trimmed display name (a project's name, a conversation's title); returns it trimmed. */
function checkDisplayName(raw: string, what: string): string {
  const name = raw.trim();
  const problem =
    name.length === 0
      ? "is empty"
      : name.length > MAX_NAME_LENGTH
        ? `is longer than ${MAX_NAME_LENGTH} characters`
        : CONTROL_CHARS.test(name)
          ? "contains a control character"
          : null;
  if (problem !== null) {
    throw appError("INVALID_NAME", `The ${what} ${problem}. Use 1 to ${MAX_NAME_LENGTH} characters without control characters.`);
  }
  return name;
}

/** Validates a project name; returns it trimmed. */
export function checkProjectName(raw: string): string {
  return checkDisplayName(raw, "project name");
}

/** Validates a conversation title; returns it trimmed. */
export function checkTitle(raw: string): string {
  return checkDisplayName(raw, "conversation title");
}

/**
 * The name a copy gets when `name` is taken at the destination: "a.ts" → "a copy.ts" → "a copy 2.ts" …
 * The suffix goes before the last extension; a leading dot (".env") is part of the base name.
 */
export function copyName(name: string, attempt: number, isFolder: boolean): string {
  const dot = isFolder ? -1 : name.lastIndexOf(".");
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  return `${base} copy${attempt === 1 ? "" : ` ${attempt}`}${ext}`;
}

/**
 * The name a restored item gets when its own is taken again: "a.ts" → "a (restored).ts" → "a (restored 2).ts" …
 * The suffix goes before the last extension, as with copies.
 */
export function restoredName(name: string, attempt: number, isFolder: boolean): string {
  const dot = isFolder ? -1 : name.lastIndexOf(".");
  const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  return `${base} (restored${attempt === 1 ? "" : ` ${attempt}`})${ext}`;
}
