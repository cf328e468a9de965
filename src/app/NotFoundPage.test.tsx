import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { SessionContext } from "../features/auth/session";
import { NotFoundPage } from "./NotFoundPage";

function renderSignedIn(ui: React.ReactNode) {
  const signOut = vi.fn();
  render(<SessionContext.Provider value={{ userName: "Ada", userKey: "local:ada", signOut }}>{ui}</SessionContext.Provider>);
  return { signOut };
}

describe("NotFoundPage", () => {
  it("focuses its heading, so the keyboard goes on from the page and not from <body>", async () => {
    renderSignedIn(<NotFoundPage title="Project not found" detail="This project does not exist." />);
    expect(screen.getByRole("heading", { name: "Project not found", level: 1 })).toHaveFocus();
    await userEvent.setup().tab();
    expect(screen.getByRole("link", { name: "← Back to your projects" })).toHaveFocus();
  });

  it("keeps the app header: who is signed in, and Sign out", async () => {
    const { signOut } = renderSignedIn(<NotFoundPage />);
    expect(screen.getByRole("heading", { name: "Page not found" })).toHaveFocus();
    expect(screen.getByRole("banner")).toHaveTextContent("Ada");
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(signOut).toHaveBeenCalled();
  });
});
