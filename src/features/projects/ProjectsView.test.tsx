import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProjectsView, type ProjectSummary } from "./ProjectsView";

afterEach(cleanup);

const now = Date.now();
const initial: ProjectSummary[] = [
  { _id: "p1", name: "Alpha", updatedAt: now - 60_000 },
  { _id: "p2", name: "Beta", updatedAt: now - 3_600_000 },
];

/** Applies each handler to local state, as the optimistic update does, and records the calls. */
function Harness({
  start = initial,
  calls,
}: {
  start?: ProjectSummary[] | undefined;
  calls: { create: string[]; rename: [string, string][]; remove: string[] };
}) {
  const [projects, setProjects] = useState(start);
  return (
    <ProjectsView
      projects={projects}
      onCreate={(name) => {
        calls.create.push(name);
        setProjects((list) => [{ _id: `new-${name}`, name, updatedAt: Date.now() }, ...(list ?? [])]);
      }}
      onRename={(id, name) => {
        calls.rename.push([id, name]);
        setProjects((list) => list?.map((p) => (p._id === id ? { ...p, name } : p)));
      }}
      onDelete={(id) => {
        calls.remove.push(id);
        setProjects((list) => list?.filter((p) => p._id !== id));
      }}
    />
  );
}

function setup(start?: ProjectSummary[] | null) {
  const calls = { create: [] as string[], rename: [] as [string, string][], remove: [] as string[] };
  const user = userEvent.setup();
  render(<Harness start={start === null ? undefined : (start ?? initial)} calls={calls} />);
  return { user, calls };
}

describe("ProjectsView", () => {
  it("shows loading and empty states", () => {
    const { unmount } = render(
      <ProjectsView projects={undefined} onCreate={vi.fn()} onRename={vi.fn()} onDelete={vi.fn()} />,
    );
    expect(screen.getByText("Loading projects…")).toBeInTheDocument();
    unmount();
    render(<ProjectsView projects={[]} onCreate={vi.fn()} onRename={vi.fn()} onDelete={vi.fn()} />);
    expect(screen.getByText(/No projects yet/)).toBeInTheDocument();
    expect(screen.queryByRole("list", { name: "Projects" })).not.toBeInTheDocument();
  });

  it("creates a project from the keyboard and trims the name", async () => {
    const { user, calls } = setup();
    const input = screen.getByRole("textbox", { name: "New project name" });
    await user.click(input);
    await user.keyboard("  Gamma  {Enter}");
    expect(calls.create).toEqual(["Gamma"]);
    expect(input).toHaveValue("");
    const rows = within(screen.getByRole("list", { name: "Projects" })).getAllByRole("listitem");
    expect(rows[0]).toHaveTextContent("Gamma");
  });

  it("shows a validation message in place and does not create an empty or oversized name", async () => {
    const { user, calls } = setup();
    const input = screen.getByRole("textbox", { name: "New project name" });
    await user.click(input);
    await user.keyboard("   {Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("The project name is empty");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription(/is empty/);

    await user.clear(input);
    await user.paste("x".repeat(256));
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("longer than 255 characters");
    expect(calls.create).toEqual([]);
  });

  it("renames with F2 and Enter, and returns focus to the project", async () => {
    const { user, calls } = setup();
    const alpha = screen.getByRole("link", { name: "Alpha" });
    alpha.focus();
    await user.keyboard("{F2}");
    const input = screen.getByRole("textbox", { name: "New name for Alpha" });
    expect(input).toHaveFocus();
    expect(input).toHaveValue("Alpha");
    await user.keyboard("Alpha 2{Enter}");
    expect(calls.rename).toEqual([["p1", "Alpha 2"]]);
    expect(screen.getByRole("link", { name: "Alpha 2" })).toHaveFocus();
  });

  it("cancels a rename with Escape and keeps an invalid rename open with its message", async () => {
    const { user, calls } = setup();
    await user.click(screen.getByRole("button", { name: "Rename Beta" }));
    expect(screen.getByRole("textbox", { name: "New name for Beta" })).toHaveFocus();
    await user.keyboard("Changed{Escape}");
    expect(screen.queryByRole("textbox", { name: "New name for Beta" })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Beta" })).toHaveFocus();

    await user.keyboard("{F2}");
    const input = screen.getByRole("textbox", { name: "New name for Beta" });
    await user.clear(input);
    await user.keyboard("{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("The project name is empty");
    expect(input).toHaveFocus();
    expect(calls.rename).toEqual([]);
  });

  it("deletes only after confirmation; Escape closes the dialog and focus returns", async () => {
    const { user, calls } = setup();
    const alpha = screen.getByRole("link", { name: "Alpha" });
    alpha.focus();
    await user.keyboard("{Delete}");
    let dialog = screen.getByRole("alertdialog", { name: "Delete project?" });
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(alpha).toHaveFocus();
    expect(calls.remove).toEqual([]);

    await user.click(screen.getByRole("button", { name: "Delete Alpha" }));
    dialog = screen.getByRole("alertdialog", { name: "Delete project?" });
    expect(dialog).toHaveTextContent("Alpha");
    await user.keyboard("{Tab}");
    expect(within(dialog).getByRole("button", { name: "Delete project" })).toHaveFocus();
    await user.keyboard("{Tab}");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Shift>}{Tab}{/Shift}{Enter}");
    expect(calls.remove).toEqual(["p1"]);
    expect(screen.queryByRole("link", { name: "Alpha" })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Beta" })).toHaveFocus();
  });

  it("tells same-named projects apart by when they were created, in the list and the delete dialog", async () => {
    const created = [Date.UTC(2026, 0, 2, 9, 30), Date.UTC(2026, 5, 7, 18, 5)];
    const twins: ProjectSummary[] = [
      { _id: "a", name: "Notes", updatedAt: now, _creationTime: created[0] },
      { _id: "b", name: "Notes", updatedAt: now, _creationTime: created[1] },
      { _id: "c", name: "Other", updatedAt: now, _creationTime: created[1] },
    ];
    render(<Harness start={twins} calls={{ create: [], rename: [], remove: [] }} />);
    const links = within(screen.getByRole("list", { name: "Projects" })).getAllByRole("link");
    const names = links.map((l) => l.textContent);
    expect(names[2]).toBe("Other");
    expect(names[0]).toMatch(/^Notes \(created .+\)$/);
    expect(names[1]).toMatch(/^Notes \(created .+\)$/);
    expect(names[0]).not.toBe(names[1]);
    await userEvent.click(screen.getByRole("button", { name: `Delete ${names[1]}` }));
    expect(screen.getByRole("alertdialog", { name: "Delete project?" })).toHaveTextContent(names[1]);
  });

  it("disables actions on a project the server has not confirmed yet", () => {
    render(
      <ProjectsView
        projects={[{ _id: "pending_1", name: "Draft", updatedAt: now }]}
        onCreate={vi.fn()}
        onRename={vi.fn()}
        onDelete={vi.fn()}
      />,
    );
    expect(screen.queryByRole("link", { name: "Draft" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Rename Draft" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Delete Draft" })).toBeDisabled();
    expect(screen.getByText("Creating…")).toBeInTheDocument();
  });
});
