import { appError } from "../lib/errors";

export const MAX_NAME_LENGTH = 255;

// C0 controls, DEL and C1 controls. Names are shown in the tree and used as path segments on export, where
// any of these would corrupt the display or the path.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** Validates a file or folder name; returns it unchanged (names are case-sensitive and not trimmed). */
export function checkFileName(name: string): string {
  const problem =
    name.length === 0
      ? "is empty"
      : name.length > MAX_NAME_LENGTH
        ? `is longer than ${MAX_NAME_LENGTH} characters`
        : name === "." || name === ".."
          ? `cannot be "${name}"`
          : /[/\\]/.test(name)
            ? 'contains "/" or "\\"'
            : CONTROL_CHARS.test(name)
              ? "contains a control character"
              : name.trim().length === 0
                ? "is only spaces"
                : null;
  if (problem !== null) {
    throw appError(
      "INVALID_NAME",
      `The name ${problem}. Use 1 to ${MAX_NAME_LENGTH} characters without "/", "\\" or control characters.`,
    );
  }
  return name;
}

/** Validates a project name; returns it trimmed. */
export function checkProjectName(raw: string): string {
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
    throw appError("INVALID_NAME", `The project name ${problem}. Use 1 to ${MAX_NAME_LENGTH} characters without control characters.`);
  }
  return name;
}

/** Validates a conversation title; returns it trimmed. */
export function checkTitle(raw: string): string {
  const title = raw.trim();
  const problem =
    title.length === 0
      ? "is empty"
      : title.length > MAX_NAME_LENGTH
        ? `is longer than ${MAX_NAME_LENGTH} characters`
        : CONTROL_CHARS.test(title)
          ? "contains a control character"
          : null;
  if (problem !== null) {
    throw appError("INVALID_NAME", `The conversation title ${problem}. Use 1 to ${MAX_NAME_LENGTH} characters without control characters.`);
  }
  return title;
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
