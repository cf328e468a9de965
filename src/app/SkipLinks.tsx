import type { MouseEvent } from "react";

// The workspace's first tab stops: links, shown when focused, that move focus straight to the file tree, the
// editor or the chat's message field (WCAG 2.4.1 Bypass Blocks). Each target is found by its landmark's label,
// as the panes find each other, so no pane has to export a ref; a pane that shows none of its inner targets
// (no file open, chat still loading) gets focus itself.

interface SkipTarget {
  label: string;
  pane: string;
  /** Inside the pane, in order of preference. */
  inner: string[];
}

const TARGETS: SkipTarget[] = [
  { label: "Skip to files", pane: 'section[aria-label="Explorer"]', inner: ['[role="tree"] [tabindex="0"]', '[role="tree"]'] },
  { label: "Skip to editor", pane: 'section[aria-label="Editor"]', inner: [".cm-content", '[role="tabpanel"]'] },
  { label: "Skip to chat", pane: 'section[aria-label="Assistant"]', inner: ["textarea", "select"] },
];

/** Focuses the target's element; true when there was one to focus. */
function focusSkipTarget(target: SkipTarget): boolean {
  const pane = document.querySelector<HTMLElement>(target.pane);
  if (!pane) return false;
  for (const selector of target.inner) {
    const element = pane.querySelector<HTMLElement>(selector);
    if (!element) continue;
    element.focus();
    if (document.activeElement === element) return true;
  }
  if (!pane.hasAttribute("tabindex")) pane.tabIndex = -1;
  pane.focus();
  return document.activeElement === pane;
}

export function SkipLinks() {
  const onClick = (target: SkipTarget) => (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    focusSkipTarget(target);
  };
  return (
    <nav className="skip-links" aria-label="Skip links">
      {TARGETS.map((target) => (
        <a key={target.label} href="#" className="skip-link" onClick={onClick(target)}>
          {target.label}
        </a>
      ))}
    </nav>
  );
}
