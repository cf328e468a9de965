import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QuickOpen } from "./QuickOpen";
import { file, folder } from "../file-tree/testUtils";

afterEach(cleanup);

const FILES = [
  folder("src", "src"),
  folder("app", "app", "src"),
  file("main", "main.tsx", "src"),
  file("page", "ProjectPage.tsx", "app"),
  file("readme", "README.md"),
  file("pkg", "package.json"),
];

function setup() {
  const onOpen = vi.fn();
  const user = userEvent.setup();
  render(<QuickOpen files={FILES} onOpen={onOpen} />);
  return { user, onOpen };
}

describe("QuickOpen", () => {
  it("Ctrl+P opens a search over every file path; Escape closes it", async () => {
    const { user } = setup();
    expect(screen.queryByRole("dialog")).toBeNull();
    await user.keyboard("{Control>}p{/Control}");
    const dialog = screen.getByRole("dialog", { name: "Go to File" });
    const input = within(dialog).getByRole("combobox", { name: "Search files by name" });
    expect(input).toHaveFocus();
    expect(within(dialog).getAllByRole("option").map((o) => o.textContent)).toEqual([
      "README.md",
      "package.json",
      "src/app/ProjectPage.tsx",
      "src/main.tsx",
    ]);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("fuzzy-matches paths, highlights the matched letters, and opens the chosen one with Enter", async () => {
    const { user, onOpen } = setup();
    await user.keyboard("{Control>}p{/Control}");
    await user.keyboard("prpg");
    const options = screen.getAllByRole("option");
    expect(options[0]).toHaveTextContent("src/app/ProjectPage.tsx");
    expect(options[0].querySelectorAll("mark").length).toBeGreaterThan(0);
    expect([...options[0].querySelectorAll("mark")].map((m) => m.textContent).join("").toLowerCase()).toBe("prpg");
    await user.keyboard("{Enter}");
    expect(onOpen).toHaveBeenCalledWith("page");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("arrows move the active option (aria-selected, aria-activedescendant)", async () => {
    const { user, onOpen } = setup();
    await user.keyboard("{Control>}p{/Control}");
    await user.keyboard("{ArrowDown}{ArrowDown}");
    const options = screen.getAllByRole("option");
    expect(options[2]).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("combobox")).toHaveAttribute("aria-activedescendant", options[2].id);
    await user.keyboard("{ArrowUp}{Enter}");
    expect(onOpen).toHaveBeenCalledWith("pkg");
  });

  it("says so when nothing matches", async () => {
    const { user } = setup();
    await user.keyboard("{Control>}p{/Control}");
    await user.keyboard("zzzzqqq");
    expect(screen.queryAllByRole("option")).toHaveLength(0);
    expect(screen.getByRole("status")).toHaveTextContent("No file matches.");
  });

  it("while the listing is still arriving, matches what is in and says the rest is loading", async () => {
    const user = userEvent.setup();
    const { rerender } = render(<QuickOpen files={FILES.slice(0, 3)} complete={false} onOpen={vi.fn()} />);
    await user.keyboard("{Control>}p{/Control}");
    await user.keyboard("README");
    expect(screen.queryAllByRole("option")).toHaveLength(0);
    expect(screen.getByRole("status")).toHaveTextContent("No file matches yet: the file list is still loading.");
    rerender(<QuickOpen files={FILES} complete onOpen={vi.fn()} />);
    expect(screen.getAllByRole("option").map((o) => o.textContent)).toEqual(["README.md"]);
  });
});
