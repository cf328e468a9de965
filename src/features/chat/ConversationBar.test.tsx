import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { ConversationBar } from "./ConversationBar";

afterEach(cleanup);

const conv = (id: string, title: string) =>
  ({ _id: id as Id<"conversations">, _creationTime: 0, projectId: "p" as Id<"projects">, title, updatedAt: 0 });

function setup() {
  const handlers = { onSelect: vi.fn(), onCreate: vi.fn(), onRename: vi.fn(), onDelete: vi.fn() };
  render(<ConversationBar conversations={[conv("c1", "First"), conv("c2", "Second")]} activeId={"c1" as Id<"conversations">} {...handlers} />);
  return handlers;
}

describe("ConversationBar", () => {
  it("selects and creates conversations", async () => {
    const h = setup();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Conversation" }), "Second");
    expect(h.onSelect).toHaveBeenCalledWith("c2");
    await userEvent.click(screen.getByRole("button", { name: "New conversation" }));
    expect(h.onCreate).toHaveBeenCalledOnce();
  });

  it("renames with Enter and cancels with Escape", async () => {
    const h = setup();
    await userEvent.click(screen.getByRole("button", { name: "Rename conversation" }));
    const field = screen.getByRole("textbox", { name: "Conversation title" });
    await userEvent.clear(field);
    await userEvent.type(field, "Renamed{Enter}");
    expect(h.onRename).toHaveBeenCalledWith("c1", "Renamed");
    await userEvent.click(screen.getByRole("button", { name: "Rename conversation" }));
    await userEvent.type(screen.getByRole("textbox", { name: "Conversation title" }), "x{Escape}");
    expect(h.onRename).toHaveBeenCalledOnce();
  });

  it("deletes only after confirming", async () => {
    const h = setup();
    await userEvent.click(screen.getByRole("button", { name: "Delete conversation" }));
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(h.onDelete).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Delete conversation" }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete conversation?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete conversation" }));
    expect(h.onDelete).toHaveBeenCalledWith("c1");
  });
});
