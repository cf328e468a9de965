// Where the time of a cold open of the 100,000-file project goes: one cold load in headless Chromium against a
// running `cli.ts start` backend, printing (ms from navigation) the page's resource timings, every WebSocket frame
// sent and received (size, first bytes), the first tree row, and the page's main-thread CPU profile summary.
// Not a benchmark (no figures go to docs): `npx tsx bench/scale/trace.ts <backend url> <project id> [user]`.
import { writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [url, projectId, user = "scale-bench"] = process.argv.slice(2);
const res = await fetch(`${url}/polaris/auth/sign-in`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ name: user }),
});
const body = (await res.json()) as { token: string; expiresAt: number };
const session = JSON.stringify({ name: user, token: body.token, expiresAt: body.expiresAt });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
await context.addInitScript((s) => localStorage.setItem("polaris.localSession", s), session);
await context.addInitScript(`(() => {
  const check = () => {
    const tree = document.querySelector('[role="tree"]');
    if (window.__firstRow === undefined && tree && tree.querySelector('[role="treeitem"]')) window.__firstRow = performance.now();
    if (window.__firstRow !== undefined && window.__complete === undefined && tree.getAttribute("aria-busy") !== "true") window.__complete = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-busy"] });
})();`);
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send("Network.enable");
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
const events: { t: number; what: string }[] = [];
let t0 = 0;
cdp.on("Network.requestWillBeSent", (e) => {
  if (e.type === "Document" && t0 === 0) t0 = e.timestamp * 1000;
});
cdp.on("Network.webSocketFrameSent", (e) => events.push({ t: e.timestamp * 1000, what: `→ ${e.response.payloadData.length} B ${e.response.payloadData.slice(0, 160)}` }));
cdp.on("Network.webSocketFrameReceived", (e) => events.push({ t: e.timestamp * 1000, what: `← ${e.response.payloadData.length} B ${e.response.payloadData.slice(0, 160)}` }));
await cdp.send("Profiler.start");
await page.goto(`${url}/p/${projectId}`);
await page.waitForFunction(() => (window as unknown as { __complete?: number }).__complete !== undefined, undefined, { timeout: 120_000 });
const [firstRow, complete] = await page.evaluate(() => [(window as unknown as { __firstRow: number }).__firstRow, (window as unknown as { __complete: number }).__complete]);
const resources = await page.evaluate(() =>
  (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).map((r) => `${r.startTime.toFixed(0)}–${r.responseEnd.toFixed(0)} ${r.name.replace(location.origin, "")}`),
);
const nav = await page.evaluate(() => JSON.stringify(performance.getEntriesByType("navigation")[0]));
const { profile } = await cdp.send("Profiler.stop");
writeFileSync("/tmp/scaletools/page.cpuprofile", JSON.stringify(profile));
console.log(`first row ${firstRow.toFixed(0)} ms, complete ${complete.toFixed(0)} ms`);
console.log(nav);
console.log(resources.join("\n"));
for (const e of events.sort((a, b) => a.t - b.t)) console.log(`${(e.t - t0).toFixed(0).padStart(6)} ms ${e.what}`);
await browser.close();
