import { describe, expect, it } from "vitest";
import { hasRunCommand, runCommandsOf, suggestRunCommands } from "./runCommands";

describe("hasRunCommand", () => {
  it("counts a command only when it has more than blanks", () => {
    expect(hasRunCommand(undefined)).toBe(false);
    expect(hasRunCommand({ installCommand: "  ", devCommand: "" })).toBe(false);
    expect(hasRunCommand({ devCommand: " node a.js " })).toBe(true);
    expect(hasRunCommand({ installCommand: "npm ci" })).toBe(true);
    expect(runCommandsOf({ devCommand: " node a.js " })).toEqual({ install: "", dev: "node a.js" });
  });
});

describe("suggestRunCommands", () => {
  it("runs a Node project's dev script, else its start script, after npm install", () => {
    const scripts = (s: object) => JSON.stringify({ name: "x", scripts: s });
    expect(suggestRunCommands({ rootFiles: ["package.json"], packageJson: scripts({ dev: "vite", start: "node ." }) })).toEqual({
      installCommand: "npm install",
      devCommand: "npm run dev",
    });
    expect(suggestRunCommands({ rootFiles: ["package.json"], packageJson: scripts({ start: "node ." }) }).devCommand).toBe("npm start");
  });

  it("falls back to the open file, then to a usual entry file, when package.json names no script", () => {
    expect(suggestRunCommands({ rootFiles: ["package.json", "index.js"], packageJson: "{ not json", activePath: "src/tool.mjs" })).toEqual({
      installCommand: "npm install",
      devCommand: "node src/tool.mjs",
    });
    expect(suggestRunCommands({ rootFiles: ["README.md", "main.py"], activePath: "README.md" })).toEqual({ installCommand: "", devCommand: "python3 main.py" });
    expect(suggestRunCommands({ rootFiles: ["notes.txt"], activePath: "notes.txt" })).toEqual({ installCommand: "", devCommand: "" });
  });

  it("quotes a path a shell would split or expand", () => {
    expect(suggestRunCommands({ rootFiles: [], activePath: "my dir/it's $HOME.py" }).devCommand).toBe(`python3 'my dir/it'\\''s $HOME.py'`);
    expect(suggestRunCommands({ rootFiles: [], activePath: "scripts/build.sh" }).devCommand).toBe("sh scripts/build.sh");
  });
});
