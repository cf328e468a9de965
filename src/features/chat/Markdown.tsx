import { memo, type ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeSanitize from "rehype-sanitize";
import { CodeBlock } from "./CodeBlock";
import { safeUrl } from "./safeUrl";

// Model output rendered as Markdown. Raw HTML is never parsed (no rehype-raw: react-markdown shows it as text),
// rehype-sanitize strips anything unexpected that plugins might add, and every URL goes through safeUrl. Images
// are shown as links, so an answer cannot make the browser fetch anything by itself.

type MdNode = { type: string; value?: string; children?: MdNode[] };

/** Turns raw HTML in the Markdown into plain text, so `<b>` in an answer reads as "<b>" and does nothing. */
function remarkHtmlAsText() {
  const walk = (node: MdNode) => {
    if (node.type === "html") node.type = "text";
    node.children?.forEach(walk);
  };
  return walk;
}

function urlTransform(url: string): string {
  return safeUrl(url) ?? "";
}

function textOf(node: ReactNode): string {
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(textOf).join("");
  if (node && typeof node === "object" && "props" in node) {
    return textOf((node.props as { children?: ReactNode }).children);
  }
  return "";
}

const components: Components = {
  a: ({ href, children }) => {
    const url = href ? safeUrl(href) : null;
    if (url === null) return <span className="chat-link-blocked">{children}</span>;
    return (
      <a href={url} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    );
  },
  img: ({ src, alt }) => {
    const url = typeof src === "string" ? safeUrl(src) : null;
    const label = `image: ${alt || "untitled"}`;
    return url === null ? (
      <span className="chat-link-blocked">[{label}]</span>
    ) : (
      <a href={url} target="_blank" rel="noopener noreferrer nofollow">
        [{label}]
      </a>
    );
  },
  pre: ({ children }) => {
    const code: unknown = Array.isArray(children) ? children[0] : children;
    const className =
      code && typeof code === "object" && "props" in code ? ((code.props as { className?: string } | null)?.className ?? "") : "";
    const language = /language-([\w+#.-]+)/.exec(className)?.[1] ?? "";
    return <CodeBlock code={textOf(children).replace(/\n$/, "")} language={language} />;
  },
};

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="chat-markdown">
      <ReactMarkdown remarkPlugins={[remarkHtmlAsText]} rehypePlugins={[rehypeSanitize]} urlTransform={urlTransform} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
