// A project's Run commands (its settings' installCommand and devCommand). Pure, imported by the server (which
// checks their length), the runner (which refuses to Run without one) and the SPA (which asks for them instead of
// starting a Run that would fail), so the three agree.

/** Longest command the server stores, in characters (after trimming). */
export const MAX_COMMAND_LENGTH = 1000;

export interface RunCommands {
  installCommand?: string;
  devCommand?: string;
}

/** The commands Run would run, trimmed; "" where there is none. */
export function runCommandsOf(settings: RunCommands | undefined): { install: string; dev: string } {
  return { install: settings?.installCommand?.trim() ?? "", dev: settings?.devCommand?.trim() ?? "" };
}

/** Whether Run has anything to run: an install command, a dev command, or both. */
export function hasRunCommand(settings: RunCommands | undefined): boolean {
  const { install, dev } = runCommandsOf(settings);
  return install !== "" || dev !== "";
}

/** What a project's files say about how it runs: its root's file names, its package.json text, the open file. */
export interface RunHints {
  rootFiles: readonly string[];
  /** The root package.json's text, when there is one and it has been read. */
  packageJson?: string;
  /** The path of the file open in the editor, if any. */
  activePath?: string;
}

/** Interpreters for a single file, by extension: the runner's sandbox has Node and Python. */
const FILE_RUNNERS: readonly [RegExp, string][] = [
  [/\.(m|c)?js$/i, "node"],
  [/\.py$/i, "python3"],
  [/\.sh$/i, "sh"],
];
/** Files at a project's root that usually start it, in the order they are preferred. */
const ENTRY_FILES = ["index.js", "main.js", "server.js", "app.js", "main.py", "app.py"];

/** Quotes a path for a POSIX shell when it holds anything but plain characters. */
function shellWord(path: string): string {
  return /^[\w./@+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function fileCommand(path: string): string | undefined {
  const runner = FILE_RUNNERS.find(([pattern]) => pattern.test(path))?.[1];
  return runner && `${runner} ${shellWord(path)}`;
}

function scriptsOf(packageJson: string | undefined): Record<string, unknown> {
  if (packageJson === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(packageJson);
    const scripts = parsed !== null && typeof parsed === "object" ? (parsed as { scripts?: unknown }).scripts : undefined;
    return scripts !== null && typeof scripts === "object" ? (scripts as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The commands a project most likely runs with, for the Settings dialog to offer when Run has none: a Node
 * project's npm scripts (dev, else start; npm install first), else the open file with its interpreter, else a usual
 * entry file at the root. Empty fields where the files say nothing; the person reads and edits them before anything runs.
 */
export function suggestRunCommands({ rootFiles, packageJson, activePath }: RunHints): { installCommand: string; devCommand: string } {
  const node = rootFiles.includes("package.json");
  const scripts = node ? scriptsOf(packageJson) : {};
  const script = typeof scripts.dev === "string" ? "npm run dev" : typeof scripts.start === "string" ? "npm start" : undefined;
  const open = activePath === undefined ? undefined : fileCommand(activePath);
  const entry = ENTRY_FILES.find((name) => rootFiles.includes(name));
  return { installCommand: node ? "npm install" : "", devCommand: script ?? open ?? (entry === undefined ? "" : (fileCommand(entry) ?? "")) };
}
