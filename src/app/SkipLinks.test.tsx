import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { SkipLinks } from "./SkipLinks";

afterEach(cleanup);

/** The panes as the workspace labels them, with the elements the links look for. */
function Panes({ fileOpen }: { fileOpen: boolean }) {
  return (
    <>
      <SkipLinks />
      <button type="button">Projects</button>
      <section aria-label="Explorer">
        <div role="tree" aria-label="Files" tabIndex={-1}>
          <div role="treeitem" aria-selected="false" tabIndex={-1}>
            a.ts
          </div>
          <div role="treeitem" aria-selected="true" tabIndex={0}>
            b.ts
          </div>
        </div>
      </section>
      <section aria-label="Editor">{fileOpen && <div className="cm-content" contentEditable aria-label="b.ts" tabIndex={0} />}</section>
      <section aria-label="Assistant">
        <textarea aria-label="Message" />
      </section>
    </>
  );
}

describe("SkipLinks", () => {
  it("are the first tab stops and move focus to the tree's row, the editor and the chat's field", async () => {
    const user = userEvent.setup();
    render(<Panes fileOpen />);
    await user.tab();
    expect(screen.getByRole("link", { name: "Skip to files" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("treeitem", { name: "b.ts" })).toHaveFocus();

    screen.getByRole("link", { name: "Skip to editor" }).focus();
    await user.keyboard("{Enter}");
    expect(document.querySelector(".cm-content")).toHaveFocus();

    screen.getByRole("link", { name: "Skip to chat" }).focus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("textbox", { name: "Message" })).toHaveFocus();
  });

  it("with no file open, the editor's pane itself takes focus", async () => {
    const user = userEvent.setup();
    render(<Panes fileOpen={false} />);
    screen.getByRole("link", { name: "Skip to editor" }).focus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("region", { name: "Editor" })).toHaveFocus();
  });
});
