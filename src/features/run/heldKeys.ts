// Keys typed between Ctrl+` and the terminal taking focus. The panel's code (xterm.js, a lazy chunk) and the
// runner's new shell take a moment; a person types at once, and those keys went to whatever had focus (the tree's
// type-ahead), so the start of the first command was lost. The hold is lib/keyHold.ts's, with the terminal's rule:
// printable characters, Enter and Backspace are kept (nothing else sees them); the terminal that takes focus next
// receives them as typed. A pointer press, a key with a modifier (other shortcuts, Ctrl+` itself) or any other key
// (Tab, Escape: it moves focus) ends the hold and drops what was kept: the person went elsewhere; so does a panel
// with no terminal to give them to (no runner, refused), and HOLD_MS passing.
import { holdKeys, type HeldKey, type KeyHold } from "../../lib/keyHold";

/** The longest a hold lasts: a terminal that has not taken focus by then is not coming (no runner, refused). */
const HOLD_MS = 10_000;

/** Typing for a terminal: a character, Enter or Backspace with no modifier but Shift. */
function isTyping(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  return event.key === "Enter" || event.key === "Backspace" || [...event.key].length === 1;
}

/** What the kept keys typed, as the terminal takes it (Enter is a carriage return, Backspace takes back one). */
function typedText(keys: HeldKey[]): string {
  let text = "";
  for (const { key } of keys) {
    if (key === "Enter") text += "\r";
    else if (key === "Backspace") text = text.slice(0, -1);
    else text += key;
  }
  return text;
}

let hold: KeyHold | null = null;

/** Starts keeping what is typed, for the terminal about to take focus. */
export function holdKeysForTerminal(): void {
  if (hold?.active) return;
  hold = holdKeys({ ms: HOLD_MS, endsOn: (event) => !isTyping(event), whenEnded: "drop" });
}

/** Ends the hold; what was typed during it (empty when nothing was, or when no hold was on). */
export function takeHeldKeys(): string {
  const keys = hold?.take() ?? [];
  hold = null;
  return typedText(keys);
}

/** Ends the hold and drops what was typed (the panel was closed before a terminal took focus). */
export function dropHeldKeys(): void {
  takeHeldKeys();
}
