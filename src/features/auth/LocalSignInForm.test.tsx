import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LocalSignInForm } from "./LocalSignInForm";
import { SignInError } from "./localSession";

afterEach(cleanup);

describe("LocalSignInForm", () => {
  it("focuses the name field and rejects an empty name in place", async () => {
    const onSignIn = vi.fn(async () => {});
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
    const onSignIn = vi.fn(async () => {});
    const user = userEvent.setup();
    render(<LocalSignInForm onSignIn={onSignIn} />);
    await user.paste("n".repeat(65));
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Use at most 64 characters (this one has 65).");
    expect(onSignIn).not.toHaveBeenCalled();
  });

  it("signs in with the trimmed name and shows a backend failure", async () => {
    const onSignIn = vi
      .fn<(name: string) => Promise<void>>()
      .mockRejectedValueOnce(new SignInError("Cannot reach the Polaris backend at http://x. Is it running?"))
      .mockResolvedValueOnce(undefined);
    const user = userEvent.setup();
    render(<LocalSignInForm onSignIn={onSignIn} />);
    await user.keyboard("  Ada  {Enter}");
    expect(onSignIn).toHaveBeenLastCalledWith("Ada");
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot reach the Polaris backend");
    const button = screen.getByRole("button", { name: "Sign in" });
    expect(button).toBeEnabled();
    await user.click(button);
    expect(onSignIn).toHaveBeenCalledTimes(2);
    expect(screen.getByRole("button", { name: "Signing in…" })).toBeDisabled();
  });
});
