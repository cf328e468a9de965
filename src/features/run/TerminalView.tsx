import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef } from "react";
import type { RunnerConnection } from "./runnerConnection";
import { takeHeldKeys } from "./heldKeys";
import { isToggleTerminalKey } from "./shortcuts";

/**
 * One terminal of the runner in xterm.js: keys go to the process, output comes from the connection (its recent
 * output first), the size follows the element (fit addon). Ctrl+C copies when text is selected (else it is ^C),
 * Ctrl+Shift+C copies, Ctrl+Shift+V and Ctrl+V paste; Ctrl+` is left to the page (it toggles the panel).
 */
export function TerminalView({
  connection,
  term,
  focusRequest,
}: {
  connection: RunnerConnection;
  term: string;
  /** Changes when the terminal should take focus. */
  focusRequest: number;
}) {
  const host = useRef<HTMLDivElement>(null);
  const xtermRef = useRef<Terminal | null>(null);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const xterm = new Terminal({
      scrollback: 5000,
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      fontSize: 13,
      cursorBlink: true,
      theme: { background: "#1e1e1e" },
    });
    const fit = new FitAddon();
    xterm.loadAddon(fit);
    xterm.open(element);
    xtermRef.current = xterm;
    xterm.attachCustomKeyEventHandler((event) => {
      if (isToggleTerminalKey(event)) return false;
      if (event.type !== "keydown") return true;
      const mod = event.ctrlKey || event.metaKey;
      if (mod && (event.key === "c" || event.key === "C") && (event.shiftKey || xterm.hasSelection())) {
        if (xterm.hasSelection()) void navigator.clipboard?.writeText(xterm.getSelection()).catch(() => {});
        event.preventDefault();
        return false;
      }
      if (mod && (event.key === "v" || event.key === "V")) {
        // The browser's paste event (xterm handles it) brings the clipboard in; do not send ^V.
        return false;
      }
      return true;
    });
    const input = xterm.onData((data) => connection.input(term, data));
    const resized = xterm.onResize(({ cols, rows }) => connection.resize(term, cols, rows));
    const stopWatching = connection.watchOutput(term, (data, reset) => {
      if (reset) xterm.reset();
      xterm.write(data);
    });
    const refit = () => {
      if (element.clientWidth > 0 && element.clientHeight > 0) fit.fit();
    };
    refit();
    connection.resize(term, xterm.cols, xterm.rows);
    const observer = new ResizeObserver(refit);
    observer.observe(element);
    return () => {
      observer.disconnect();
      stopWatching();
      input.dispose();
      resized.dispose();
      xterm.dispose();
      xtermRef.current = null;
    };
  }, [connection, term]);

  useEffect(() => {
    if (focusRequest === 0 || !xtermRef.current) return;
    xtermRef.current.focus();
    // What was typed since Ctrl+` opened the panel belongs to the terminal that takes focus (heldKeys.ts).
    const typed = takeHeldKeys();
    if (typed !== "") connection.input(term, typed);
  }, [focusRequest, term, connection]);

  return <div ref={host} className="terminal-view" data-terminal={term} />;
}
