// `npm run test:e2e`: runs the Playwright suite when a Chromium is available, and says how to get one when not.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

function ownChromium() {
  return import("playwright-core")
    .then(({ chromium }) => existsSync(chromium.executablePath()))
    .catch(() => false);
}

if (!existsSync("/usr/bin/chromium") && !(await ownChromium())) {
  console.error(
    "No Chromium found: install one with `apt-get install chromium` (Debian) or `npx playwright install chromium`",
  );
  process.exit(1);
}

const child = spawn("npx", ["playwright", "test", ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
