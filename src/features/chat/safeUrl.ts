// Links in model output are untrusted. Only these schemes survive; everything else (javascript:, data:,
// vbscript:, file:, relative paths that would resolve inside the app) becomes no link at all.
const ALLOWED = new Set(["http:", "https:", "mailto:"]);

export function safeUrl(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed.length === 0) return null;
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return null;
  }
  return ALLOWED.has(parsed.protocol) ? parsed.href : null;
}
