import { createServer, resolveConfig, type ViteDevServer } from "vite";
import { afterAll, describe, expect, it } from "vitest";

// `npm run dev` and `vite preview` serve the app's page as `npm start`'s own site does (site.test.ts): no other origin
// may frame it (a project's preview runs other people's code; issue 9). This project's tests run in local-backend's
// node environment because that is where the servers are.

let server: ViteDevServer | undefined;
afterAll(async () => {
  await server?.close();
});

describe("the app's page from Vite", () => {
  it("the dev server sends frame-ancestors 'self' with the page", async () => {
    server = await createServer({ configFile: "vite.config.ts", logLevel: "silent", server: { port: 0, host: "127.0.0.1", strictPort: false } });
    await server.listen();
    const url = server.resolvedUrls!.local[0];
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root"');
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors 'self'");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("vite preview is configured to send the same", async () => {
    const config = await resolveConfig({ configFile: "vite.config.ts", logLevel: "silent" }, "serve", "production", "production", true);
    expect(config.preview.headers).toMatchObject({ "Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN" });
  });
});
