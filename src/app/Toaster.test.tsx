import { act, cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConvexError } from "convex/values";
import { afterEach, describe, expect, it } from "vitest";
import { errorMessage } from "../lib/errors";
import { notify } from "../lib/notify";
import { useAppStore } from "../store";
import { Toaster } from "./Toaster";

afterEach(() => {
  cleanup();
  useAppStore.setState({ toasts: [] });
});

describe("Toaster and notify", () => {
  it("shows a notified server refusal in the status region and dismisses it", async () => {
    const user = userEvent.setup();
    render(<Toaster />);
    const refusal = new ConvexError({ code: "INVALID_NAME", message: "The project name is empty." });
    act(() => notify(`Could not create: ${errorMessage(refusal)}`, "error"));
    const region = screen.getByRole("status", { name: "Notifications" });
    expect(region).toHaveTextContent("Could not create: The project name is empty.");
    await user.click(screen.getByRole("button", { name: "Dismiss notification" }));
    expect(region).toBeEmptyDOMElement();
  });

  it("an action button runs once and dismisses its toast; focus goes back to where it came from, never to the body", async () => {
    const user = userEvent.setup();
    let ran = 0;
    render(
      <>
        <button type="button">Before</button>
        <Toaster />
      </>,
    );
    act(() => notify("Deleted \"a.ts\".", "info", { label: "Undo", run: () => ran++ }));
    act(() => notify("Saved.", "success"));
    screen.getByRole("button", { name: "Before" }).focus();
    await user.tab();
    expect(screen.getByRole("button", { name: "Undo" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(ran).toBe(1);
    expect(screen.queryByRole("button", { name: "Undo" })).toBeNull();
    expect(screen.getByRole("button", { name: "Before" })).toHaveFocus();
    // The same for the close button of the toast left.
    await user.tab();
    expect(screen.getByRole("button", { name: "Dismiss notification" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("status", { name: "Notifications" })).toBeEmptyDOMElement();
    expect(screen.getByRole("button", { name: "Before" })).toHaveFocus();
  });

  it("strips the client's transport prefix from plain errors", () => {
    const raw = new Error("[CONVEX M(projects:rename)] [Request ID: abc] Server Error\nUncaught Error: boom\n  at x");
    expect(errorMessage(raw)).toBe("boom");
  });
});
