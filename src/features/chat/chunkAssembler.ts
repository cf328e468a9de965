// An answer's streamed text as the client puts it together from `ai/stream:latest` updates and `ai/stream:range`
// reads (convex/ai/stream.ts). Pure: the chat hook and the backend's sync test share it.

/** What the client holds of an answer's chunks: text by sequence number, and how many from 0 on are known. */
export class ChunkAssembler {
  private readonly parts = new Map<number, string>();
  /** Chunks 0 … known-1 are all here. */
  known = 0;
  /** The highest sequence number seen, -1 before any. */
  newest = -1;

  add(seq: number, text: string) {
    if (seq < this.known || this.parts.has(seq)) return;
    this.parts.set(seq, text);
    if (seq > this.newest) this.newest = seq;
    while (this.parts.has(this.known)) this.known++;
  }

  /** The first missing sequence number below the newest, or null when nothing is missing. */
  gap(): { from: number; to: number } | null {
    return this.known <= this.newest ? { from: this.known, to: this.newest } : null;
  }

  text(): string {
    let out = "";
    for (let seq = 0; seq < this.known; seq++) out += this.parts.get(seq);
    return out;
  }
}
