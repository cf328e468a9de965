import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { APP_CONTENT_ID, Dialog } from "./Dialog";

afterEach(cleanup);

function Page() {
  const [open, setOpen] = useState(false);
  return (
    <div id={APP_CONTENT_ID}>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      {open && (
        <Dialog title="Delete it?" description="It cannot be undone." role="alertdialog" onClose={() => setOpen(false)}>
          <button type="button">Cancel</button>
        </Dialog>
      )}
    </div>
  );
}

describe("Dialog", () => {
  it("makes the page behind inert while open, ties its description, and gives focus back on close", async () => {
    const user = userEvent.setup();
    render(<Page />);
    const content = document.getElementById(APP_CONTENT_ID)!;
    const opener = screen.getByRole("button", { name: "Open" });
    await user.click(opener);
    const dialog = screen.getByRole("alertdialog", { name: "Delete it?" });
    expect(dialog).toHaveAccessibleDescription("It cannot be undone.");
    expect(content).toHaveAttribute("inert");
    expect(content.contains(dialog)).toBe(false);
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(content).not.toHaveAttribute("inert");
    expect(opener).toHaveFocus();
  });
});
