import { renderToString } from "react-dom/server";
import { Route, Router } from "wouter";
import { describe, expect, it } from "vitest";
import { PROJECT_ROUTE, projectIdAt } from "./routes";

/** The project id wouter's own Route gives for `path` under PROJECT_ROUTE, or null. */
function wouterProjectId(path: string): string | null {
  const html = renderToString(
    <Router ssrPath={path}>
      <Route path={PROJECT_ROUTE}>{(params) => <i>{params.projectId}</i>}</Route>
    </Router>,
  );
  const match = /<i>(.*)<\/i>/.exec(html);
  return match ? match[1] : null;
}

describe("projectIdAt", () => {
  it("names the project exactly when the router's PROJECT_ROUTE matches", () => {
    const paths = ["/p/abc123", "/p/abc123/", "/P/abc123", "/p/abc%20d", "/p/", "/p", "/", "/p/abc/more", "/x/p/abc", "/p/%E0%A4%A"];
    for (const path of paths) expect([path, projectIdAt(path)]).toEqual([path, wouterProjectId(path)]);
    expect(projectIdAt("/p/abc123")).toBe("abc123");
  });
});
