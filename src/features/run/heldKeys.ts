// Keys typed between Ctrl+` and the terminal taking focus. The panel's code (xterm.js, a lazy chunk) and the
// runner's new shell take a moment; a person types at once, and those keys went to whatever had focus (the tree's
// type-ahead), so the start of the first command was lost. While a hold is on, printable characters, Enter and
// Backspace are taken in the capture phase at the window (nothing else sees them) and kept; the terminal that
// takes focus next receives them as typed. A pointer press, a key with a modifier (other shortcuts, Ctrl+` itself)
// or a key that moves focus (Tab, Escape) ends the hold and drops what was kept: the person went elsewhere; so does
// a panel with no terminal to give them to (no runner, refused), and HOLD_MS passing.
// The editor has its own, richer rule for files being opened (store/editorFocus.ts); this one has a single target.

/** The longest a hold lasts: a terminal that has not taken focus by then is not coming (no runner, refused). */
const HOLD_MS = 10_000;

let held: string | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;

function onKey(event: KeyboardEvent): void {
  if (held === null || event.defaultPrevented || event.isComposing) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return release();
  if (event.key === "Enter") held += "\r";
  else if (event.key === "Backspace") held = held.slice(0, -1);
  else if ([...event.key].length === 1) held += event.key;
  else if (event.key === "Shift" || event.key === "CapsLock") return;
  else return release();
  event.preventDefault();
  event.stopImmediatePropagation();
}

function release(): void {
  held = null;
  if (timer !== null) clearTimeout(timer);
  timer = null;
  window.removeEventListener("keydown", onKey, true);
  window.removeEventListener("pointerdown", release, true);
}

/** Starts keeping what is typed, for the terminal about to take focus. */
export function holdKeysForTerminal(): void {
  if (held !== null) return;
  held = "";
  timer = setTimeout(release, HOLD_MS);
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("pointerdown", release, true);
}

/** Ends the hold; what was typed during it (empty when nothing was, or when no hold was on). */
export function takeHeldKeys(): string {
  const typed = held ?? "";
  release();
  return typed;
}

/** Ends the hold and drops what was typed (the panel was closed before a terminal took focus). */
export function dropHeldKeys(): void {
  release();
}
