import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LocalSignInForm } from "./LocalSignInForm";

afterEach(cleanup);

describe("LocalSignInForm", () => {
  it("focuses the name field and rejects an empty name in place", async () => {
    const onSignIn = vi.fn<(name: string) => void>();
    const user = userEvent.setup();
    render(<LocalSignInForm onSignIn={onSignIn} />);
    const input = screen.getByRole("textbox", { name: "Your name" });
    expect(input).toHaveFocus();
    await user.keyboard("   {Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Enter a name to sign in.");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(onSignIn).not.toHaveBeenCalled();
    await user.keyboard("a");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("rejects a name longer than 64 characters", async () => {
    const onSignIn = vi.fn<(name: string) => void>();
    const user = userEvent.setup();
    render(<LocalSignInForm onSignIn={onSignIn} />);
    await user.paste("n".repeat(65));
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Use at most 64 characters (this one has 65).");
    expect(onSignIn).not.toHaveBeenCalled();
  });

  it("signs in with the trimmed, normalized name at once", async () => {
    const onSignIn = vi.fn<(name: string) => void>();
    const user = userEvent.setup();
    render(<LocalSignInForm onSignIn={onSignIn} />);
    await user.keyboard("  Ade\u0301le  {Enter}");
    expect(onSignIn).toHaveBeenCalledExactlyOnceWith("Ad\u00e9le");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("comes back after a failed sign-in with the name tried and the reason, ready to try again", async () => {
    const onSignIn = vi.fn<(name: string) => void>();
    const user = userEvent.setup();
    render(<LocalSignInForm onSignIn={onSignIn} failure={{ name: "Ada", message: "Cannot reach the Polaris backend at http://x. Is it running?", attempt: 1 }} />);
    const input = screen.getByRole("textbox", { name: "Your name" });
    expect(input).toHaveValue("Ada");
    expect(input).toHaveFocus();
    expect(screen.getByRole("alert")).toHaveTextContent("Cannot reach the Polaris backend");
    expect(input).toHaveAccessibleDescription(/Cannot reach the Polaris backend/);
    await user.keyboard("{Enter}");
    expect(onSignIn).toHaveBeenCalledExactlyOnceWith("Ada");
  });
});
