import { describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { ProjectSettingsDialog } from "./ProjectSettingsDialog";

const project = {
  _id: "p1" as Id<"projects">,
  _creationTime: 0,
  name: "Workbench",
  ownerId: "user",
  updatedAt: 0,
  settings: { installCommand: "npm ci" },
} as unknown as Doc<"projects">;

describe("ProjectSettingsDialog", () => {
  it("explains each command under its field and saves from the keyboard", async () => {
    const onSave = vi.fn();
    const onClose = vi.fn();
    const user = userEvent.setup();
    render(<ProjectSettingsDialog project={project} onSave={onSave} onClose={onClose} />);
    const install = screen.getByRole("textbox", { name: "Install command" });
    const dev = screen.getByRole("textbox", { name: "Dev command" });
    expect(install).toHaveFocus();
    expect(install).toHaveValue("npm ci");
    expect(install).toHaveAccessibleDescription(/install the project's dependencies.*Run \(F5\) runs it first/i);
    expect(dev).toHaveAccessibleDescription(/start the project for development.*Run \(F5\) runs it after the install command/i);

    await user.tab();
    expect(dev).toHaveFocus();
    await user.keyboard("npm run dev{Enter}");
    expect(onSave).toHaveBeenCalledWith({ installCommand: "npm ci", devCommand: "npm run dev" });
    expect(onClose).toHaveBeenCalled();
  });

  it("chooses how the assistant's changes apply, by keyboard, each choice explained", async () => {
    const onSave = vi.fn();
    const user = userEvent.setup();
    render(<ProjectSettingsDialog project={project} onSave={onSave} onClose={() => undefined} />);
    const apply = screen.getByRole("radio", { name: "Apply at once" });
    const review = screen.getByRole("radio", { name: "Wait for my review" });
    expect(apply).toBeChecked();
    expect(review).toHaveAccessibleDescription(/marked in the tree and the editor until you Keep or Undo/);
    await user.tab();
    await user.tab();
    expect(apply).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(review).toBeChecked();
    await user.keyboard("{Enter}");
    expect(onSave).toHaveBeenCalledWith({ installCommand: "npm ci", devCommand: "", assistantChanges: "review" });
  });

  it("an untouched field follows the project's row that arrives while open; a typed one keeps what was typed", async () => {
    const user = userEvent.setup();
    const stale = { ...project, settings: undefined } as Doc<"projects">;
    const { rerender } = render(<ProjectSettingsDialog project={stale} onSave={() => undefined} onClose={() => undefined} />);
    const install = screen.getByRole("textbox", { name: "Install command" });
    const dev = screen.getByRole("textbox", { name: "Dev command" });
    expect(install).toHaveValue("");
    await user.click(dev);
    await user.keyboard("vite");
    const fresh = { ...project, settings: { installCommand: "pnpm install", devCommand: "pnpm dev" } } as Doc<"projects">;
    rerender(<ProjectSettingsDialog project={fresh} onSave={() => undefined} onClose={() => undefined} />);
    expect(install).toHaveValue("pnpm install");
    expect(dev).toHaveValue("vite");
  });

  it("keeps the hint and adds the error when a command is too long", async () => {
    const onSave = vi.fn();
    const user = userEvent.setup();
    render(<ProjectSettingsDialog project={project} onSave={onSave} onClose={() => undefined} />);
    const dev = screen.getByRole("textbox", { name: "Dev command" });
    await user.click(dev);
    await user.paste("x".repeat(1001));
    await user.keyboard("{Enter}");
    expect(onSave).not.toHaveBeenCalled();
    expect(dev).toHaveAttribute("aria-invalid", "true");
    expect(dev).toHaveAccessibleDescription(/after the install command.*1001 characters; the limit is 1000/i);
  });

  describe("opened by Run, for a project with no command", () => {
    const bare = { ...project, settings: undefined } as Doc<"projects">;
    const suggestion = { installCommand: "", devCommand: "node server.js" };

    it("opens on the dev command with the suggestion selected, so Enter accepts it and runs", async () => {
      const onSave = vi.fn();
      const onRun = vi.fn();
      const user = userEvent.setup();
      render(<ProjectSettingsDialog project={bare} onSave={onSave} onClose={() => undefined} run={{ suggestion, onRun }} />);
      const dev = screen.getByRole("textbox", { name: "Dev command" });
      expect(dev).toHaveFocus();
      expect(dev).toHaveValue("node server.js");
      expect(screen.getByRole("dialog")).toHaveAccessibleDescription(/Run needs a command.*suggested by its files/);
      await user.keyboard("{Enter}");
      expect(onSave).toHaveBeenCalledWith({ installCommand: "", devCommand: "node server.js" });
      expect(onRun).toHaveBeenCalledTimes(1);
    });

    it("replaces the suggestion with what is typed at once, and a suggestion arriving later is selected", async () => {
      const onSave = vi.fn();
      const user = userEvent.setup();
      const props = { project: bare, onSave, onClose: () => undefined };
      const { rerender } = render(<ProjectSettingsDialog {...props} run={{ suggestion: undefined, onRun: () => undefined }} />);
      const dev = screen.getByRole("textbox", { name: "Dev command" });
      expect(dev).toHaveValue("");
      rerender(<ProjectSettingsDialog {...props} run={{ suggestion, onRun: () => undefined }} />);
      expect(dev).toHaveValue("node server.js");
      await user.keyboard("python3 app.py{Enter}");
      expect(onSave).toHaveBeenCalledWith({ installCommand: "", devCommand: "python3 app.py" });
    });

    it("does not run with no command at all: it says what is missing", async () => {
      const onSave = vi.fn();
      const onRun = vi.fn();
      const user = userEvent.setup();
      render(<ProjectSettingsDialog project={bare} onSave={onSave} onClose={() => undefined} run={{ suggestion: undefined, onRun }} />);
      expect(screen.getByRole("button", { name: "Save and run" })).toBeInTheDocument();
      await user.keyboard("{Enter}");
      expect(onSave).not.toHaveBeenCalled();
      expect(onRun).not.toHaveBeenCalled();
      expect(screen.getByRole("textbox", { name: "Dev command" })).toHaveAccessibleDescription(/Run needs an install command, a dev command or both/);
    });
  });
});
