import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { useAppStore } from "../../store";
import { GhostTextToggle } from "./GhostTextToggle";
import { resetEditorAiSettings, setGhostTextEnabled } from "./settings";

// The status bar's ghost-text switch, driven by the store the server's `ai/status:provider` answer fills
// (settings.ts useAiProviderStatus calls setAiProvider with it, as the workspace does).
describe("the status bar's AI suggestions switch", () => {
  afterEach(() => {
    cleanup();
    resetEditorAiSettings();
  });

  it("promises neither on nor no provider before the server has said whether one is configured", () => {
    setGhostTextEnabled(true);
    const { container } = render(<GhostTextToggle />);
    expect(container).toHaveTextContent("AI suggestions: …");
    expect(screen.queryByRole("button", { name: /AI suggestions/ })).toBeNull();
    act(() => useAppStore.getState().setAiProvider({ configured: true, model: "llama3.1" }));
    expect(screen.getByRole("button", { name: "AI suggestions: on" })).toHaveAttribute("aria-pressed", "true");
  });

  it('says "AI suggestions: no provider" and never "on" when the server has no provider, whatever the stored choice', () => {
    setGhostTextEnabled(true);
    act(() => useAppStore.getState().setAiProvider({ configured: false, model: null }));
    const { container } = render(<GhostTextToggle />);
    expect(container).toHaveTextContent("AI suggestions: no provider");
    expect(container).not.toHaveTextContent(/AI suggestions: on/);
    // Nothing to switch on: no button that would promise suggestions.
    expect(screen.queryByRole("button", { name: /AI suggestions/ })).toBeNull();

    act(() => setGhostTextEnabled(false));
    act(() => setGhostTextEnabled(true));
    expect(container).toHaveTextContent("AI suggestions: no provider");
    expect(container).not.toHaveTextContent(/AI suggestions: on/);
  });

  it("switches between on and off once a provider is configured, and says no provider when the server loses it", () => {
    act(() => useAppStore.getState().setAiProvider({ configured: true, model: "llama3.1" }));
    setGhostTextEnabled(true);
    const { container } = render(<GhostTextToggle />);
    const toggle = screen.getByRole("button", { name: "AI suggestions: on" });
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    act(() => toggle.click());
    expect(screen.getByRole("button", { name: "AI suggestions: off" })).toHaveAttribute("aria-pressed", "false");

    act(() => useAppStore.getState().setAiProvider({ configured: false, model: null }));
    expect(container).toHaveTextContent("AI suggestions: no provider");
    expect(screen.queryByRole("button", { name: /AI suggestions/ })).toBeNull();
  });
});
