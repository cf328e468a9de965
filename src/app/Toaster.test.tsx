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

  it("strips the client's transport prefix from plain errors", () => {
    const raw = new Error("[CONVEX M(projects:rename)] [Request ID: abc] Server Error\nUncaught Error: boom\n  at x");
    expect(errorMessage(raw)).toBe("boom");
  });
});
