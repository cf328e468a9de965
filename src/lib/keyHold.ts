// Keys typed while the page is about to change under the person: the dashboard's Create opens the new project once
// the server has given it an id, and whatever is typed meanwhile (Ctrl+Alt+N and a file name, a type-ahead in the
// tree) belongs to that project, not to the dashboard's name field. While a hold is on, every key press is taken in
// the capture phase at the window (nothing else sees it) and kept; on release they are given, in order, to the
// element focused then.
//
// The terminal's hold (run/heldKeys.ts) is this one too: it ends on any key that is not typing, drops what was kept
// when the person goes elsewhere, and takes the kept keys as text (take()). store/editorFocus.ts keeps text for a
// file being opened by its own, richer rule. Here the target is whatever the next page focuses, so the presses
// themselves are kept, shortcuts included, and given back as key events: a shortcut reaches the page's handlers as
// it would have, and a character typed into a text field is inserted with the browser's insertText command (a
// dispatched key event is not trusted, so the browser would not insert it itself). No library does this: it is the
// page's own keys, replayed.
//
// A pointer press or Tab (or any key `endsOn` names) ends the hold at once (the person went somewhere themselves:
// the page must not change under them). What was kept goes to where focus is then (or is dropped, `whenEnded:
// "drop"`): for Tab, before the Tab itself moves focus as usual; for a press, to what the press focused. So does
// HOLD_MS passing.

/** The longest a hold lasts: a page that has not opened by then is not opening soon (offline, a slow server). */
export const HOLD_MS = 5_000;

export interface HeldKey {
  key: string;
  code: string;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

export interface KeyHold {
  /** False once the hold ended (released, a pointer press or Tab, HOLD_MS): the page must not change any more. */
  readonly active: boolean;
  /**
   * Ends the hold when an element next takes focus (the new page's): the kept keys go to it, in order. Resolves
   * once they all have been given.
   */
  releaseOnNextFocus(): Promise<void>;
  /** Ends the hold now: the kept keys go to the element focused now. Resolves once they all have been given. */
  release(): Promise<void>;
  /** Ends the hold now and hands the kept keys to the caller instead (none once the hold has ended). */
  take(): HeldKey[];
}

export interface HoldOptions {
  /** The longest the hold lasts (HOLD_MS unless given). */
  ms?: number;
  /** A key that ends the hold and then passes, as the person's move elsewhere (Tab unless given). */
  endsOn?: (event: KeyboardEvent) => boolean;
  /** What the person ending the hold (a pointer press, a key of `endsOn`, the time passing) does with the kept keys. */
  whenEnded?: "give" | "drop";
  /**
   * A kept Enter in a one-line field submits its form, as the person's own Enter would have. Only for a hold whose
   * keys can only have been meant for the page that opens (typed right after signing in): by default Enter never
   * submits (see `give`).
   */
  submits?: boolean;
}

const MODIFIERS = new Set(["Control", "Shift", "Alt", "Meta", "CapsLock", "AltGraph"]);

function isEditable(el: Element): boolean {
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement) return !el.readOnly && !el.disabled;
  return el instanceof HTMLElement && el.isContentEditable;
}

/** The next task: what a given key set off (a render, an effect moving focus) is done before the next key. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The key events a hold gives back: its own listener lets them pass. */
const given = new WeakSet<Event>();

/**
 * Holds taking keys now. While there is one, <html> carries `data-holding-keys`: a key pressed while focus is on the
 * body (the old page gone, the new one not focused yet) is kept, not lost, and the e2e suite's watcher of keys lost
 * on the body (e2e/drivers/fixtures.ts) knows it.
 */
let holding = 0;
function countHold(delta: 1 | -1): void {
  holding += delta;
  document.documentElement.toggleAttribute("data-holding-keys", holding > 0);
}

/**
 * The newest hold still holding. A hold that starts while another holds takes over its keys not yet given, and
 * the other ends: a key it gave started the new page's change (the project name's Enter typed right after signing
 * in creates the project), so what was typed after that key belongs to the page the new hold waits for. (Two holds
 * at once cannot share: the older one's listener would take every key first.)
 */
let newest: KeyHold | null = null;

function dispatchKey(target: Element, type: "keydown" | "keyup", k: HeldKey): boolean {
  const event = new KeyboardEvent(type, { ...k, bubbles: true, cancelable: true, composed: true });
  given.add(event);
  return target.dispatchEvent(event);
}

/** Gives one kept key to the focused element as the browser would have. */
function give(k: HeldKey, submits: boolean): void {
  const target = document.activeElement ?? document.body;
  const proceed = dispatchKey(target, "keydown", k);
  const plain = !k.ctrlKey && !k.metaKey && !k.altKey;
  if (proceed && plain && isEditable(target)) {
    if ([...k.key].length === 1) document.execCommand("insertText", false, k.key);
    else if (k.key === "Backspace") document.execCommand("delete");
    // Enter in a one-line field reaches its key handlers only: it never submits a form for the person (a hold that
    // ended on the dashboard must not create a second project from keys meant for the first).
    else if (k.key === "Enter" && !(target instanceof HTMLInputElement)) document.execCommand("insertParagraph");
    else if (k.key === "Enter" && submits && target instanceof HTMLInputElement) target.form?.requestSubmit();
  }
  dispatchKey(target, "keyup", k);
}

const isTab = (event: KeyboardEvent) => event.key === "Tab";

/** Starts keeping every key pressed, for the page about to open. */
export function holdKeys({ ms = HOLD_MS, endsOn = isTab, whenEnded = "give", submits = false }: HoldOptions = {}): KeyHold {
  const queue: HeldKey[] = newest?.take() ?? [];
  let active = true;
  let giving = false;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));

  function onKey(event: KeyboardEvent): void {
    // Given keys pass; so do a composition (the input method's), lone modifiers and a key something already acted on.
    if (given.has(event) || event.isComposing || MODIFIERS.has(event.key) || event.defaultPrevented) return;
    if (!giving && endsOn(event)) {
      // Tab moves focus, which a given key cannot do: the kept keys go at once to where focus is (or are dropped),
      // and then the key itself passes, moving focus as it would have.
      active = false;
      giving = true;
      stopWaiting();
      try {
        for (const k of queue.splice(0)) if (whenEnded === "give") give(k, submits);
      } finally {
        stopHolding();
      }
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const { key, code, ctrlKey, shiftKey, altKey, metaKey } = event;
    queue.push({ key, code, ctrlKey, shiftKey, altKey, metaKey });
  }
  function onKeyUp(event: KeyboardEvent): void {
    if (!given.has(event) && !MODIFIERS.has(event.key)) event.stopImmediatePropagation();
  }
  /** The person ended the hold (a pointer press, the time passing). */
  const ended = () => void (whenEnded === "give" ? release() : take());
  const onFocus = () => void release();
  const timer = setTimeout(ended, ms);

  // Keys pressed while the kept ones are being given are kept too and given after them, in order.
  async function drain(): Promise<void> {
    // Not inside the event that ended the hold (the new page's focus call): its own work finishes first.
    try {
      await nextTask();
      for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
        give(k, submits);
        await nextTask();
      }
    } finally {
      stopHolding();
    }
  }

  /** Ends everything that would end the hold (they all have, or one did). */
  function stopWaiting(): void {
    clearTimeout(timer);
    window.removeEventListener("pointerdown", ended, true);
    document.removeEventListener("focusin", onFocus, true);
  }

  /** Whatever happened, the keyboard is the page's again. */
  let counted = true;
  function stopHolding(): void {
    if (counted) countHold(-1);
    counted = false;
    if (newest === hold) newest = null;
    window.removeEventListener("keydown", onKey, true);
    window.removeEventListener("keyup", onKeyUp, true);
    finished();
  }

  function release(): Promise<void> {
    active = false;
    if (!giving) {
      giving = true;
      stopWaiting();
      void drain();
    }
    return done;
  }

  function take(): HeldKey[] {
    active = false;
    giving = true;
    stopWaiting();
    stopHolding();
    return queue.splice(0);
  }

  countHold(1);
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("keyup", onKeyUp, true);
  window.addEventListener("pointerdown", ended, true);

  const hold: KeyHold = {
    get active() {
      return active;
    },
    release,
    take,
    releaseOnNextFocus() {
      if (!giving) document.addEventListener("focusin", onFocus, true);
      return done;
    },
  };
  newest = hold;
  return hold;
}
