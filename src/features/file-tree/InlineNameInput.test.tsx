import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { InlineNameInput, type InlineEditor } from "./InlineNameInput";

function editorOf(kind: InlineEditor["kind"], initial: string): InlineEditor {
  return { kind, initial, siblingNames: () => [], onCommit: vi.fn(), onCancel: vi.fn() };
}

describe("InlineNameInput", () => {
  it("keeps the caret where typing left it when the row renders again with a new editor object", async () => {
    const user = userEvent.setup();
    const { rerender } = render(<InlineNameInput editor={editorOf("newFile", "")} />);
    const input = screen.getByRole("textbox", { name: "New file name" });
    expect(input).toHaveFocus();
    await user.keyboard("inne");
    // The parent renders again (its folder got its server id): the same edit, a new object.
    rerender(<InlineNameInput editor={editorOf("newFile", "")} />);
    await user.keyboard("r.ts");
    expect(input).toHaveValue("inner.ts");
  });

  it("selects the name before its extension when a rename starts", () => {
    render(<InlineNameInput editor={editorOf("rename", "main.test.ts")} />);
    const input = screen.getByRole<HTMLInputElement>("textbox", { name: "Rename" });
    expect(input).toHaveFocus();
    expect([input.selectionStart, input.selectionEnd]).toEqual([0, "main.test".length]);
  });
});
