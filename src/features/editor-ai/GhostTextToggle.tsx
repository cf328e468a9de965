import { setGhostTextEnabled, useGhostTextSetting } from "./settings";

/** The status bar switch for AI ghost-text suggestions. */
export function GhostTextToggle() {
  const { enabled, providerMissing, providerKnown } = useGhostTextSetting();
  if (!providerKnown) {
    // Before the server's answer (or offline before any answer was kept) it would be a guess either way.
    return (
      <span className="editor-ai-toggle" title="Waiting for the server to say whether an AI provider is configured.">
        AI suggestions: …
      </span>
    );
  }
  if (providerMissing) {
    return (
      <span className="editor-ai-toggle" title="No AI provider is configured on the server; see docs/ai.md.">
        AI suggestions: no provider
      </span>
    );
  }
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small editor-ai-toggle"
      aria-pressed={enabled}
      title="Ghost-text suggestions after a pause in typing (Tab accepts, Escape dismisses)"
      onClick={() => setGhostTextEnabled(!enabled)}
    >
      AI suggestions: {enabled ? "on" : "off"}
    </button>
  );
}
