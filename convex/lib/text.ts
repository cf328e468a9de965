/**
 * UTF-8 size of a string, as TextEncoder would encode it (a lone surrogate becomes U+FFFD, 3 bytes), counted
 * without encoding: the server checks every text against its byte limits, and the SPA's optimistic save shows
 * the new size for every pending content write each time its overlay is recomputed. No Convex imports: the SPA
 * bundles this file.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two code units, four bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}
