import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Markdown } from "./Markdown";
import { safeUrl } from "./safeUrl";

afterEach(cleanup);

function renderMd(text: string) {
  return render(<Markdown text={text} />).container;
}

describe("Markdown from the model is inert", () => {
  it("shows raw HTML as text, never as elements", () => {
    const root = renderMd('Hello <script>window.pwned = 1</script> <b onclick="x()">bold</b>\n\n<img src=x onerror="alert(1)">');
    expect(root.querySelector("script")).toBeNull();
    expect(root.querySelector("b")).toBeNull();
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector("[onerror], [onclick]")).toBeNull();
    expect(root.textContent).toContain("<script>");
    expect((window as { pwned?: number }).pwned).toBeUndefined();
  });

  it("drops javascript:, data: and vbscript: links but keeps their text", () => {
    const root = renderMd(
      "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox) [JS](JaVaScRiPt:alert(1))",
    );
    expect(root.querySelectorAll("a")).toHaveLength(0);
    expect(root.textContent).toContain("click");
    expect(root.textContent).toContain("data");
  });

  it("keeps http(s) and mailto links, opened safely in a new tab", () => {
    renderMd("[docs](https://example.com/a) [mail](mailto:a@example.com)");
    const docs = screen.getByRole("link", { name: "docs" });
    expect(docs).toHaveAttribute("href", "https://example.com/a");
    expect(docs).toHaveAttribute("target", "_blank");
    expect(docs.getAttribute("rel")).toContain("noopener");
    expect(screen.getByRole("link", { name: "mail" })).toHaveAttribute("href", "mailto:a@example.com");
  });

  it("shows images as links instead of loading them, and blocks data: images", () => {
    const root = renderMd("![tracker](https://example.com/p.png) ![inline](data:image/png;base64,AAAA)");
    expect(root.querySelector("img")).toBeNull();
    expect(screen.getByRole("link", { name: "[image: tracker]" })).toHaveAttribute("href", "https://example.com/p.png");
    expect(root.textContent).toContain("[image: inline]");
    expect(root.querySelector('a[href^="data:"]')).toBeNull();
  });

  it("renders code blocks as text with a copy button", () => {
    const root = renderMd("```html\n<img src=x onerror=alert(1)>\n```");
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector("pre code")?.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(screen.getByText("html")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Copy" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Apply to file" })).toBeNull();
  });
});

describe("safeUrl", () => {
  it("allows only http, https and mailto", () => {
    expect(safeUrl("https://a.example/x")).toBe("https://a.example/x");
    expect(safeUrl(" javascript:alert(1)")).toBeNull();
    expect(safeUrl("/relative/path")).toBeNull();
    expect(safeUrl("file:///etc/passwd")).toBeNull();
  });
});
