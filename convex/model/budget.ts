import { getDocumentSize, type Value } from "convex/values";

// Bulk deletes, copies and backfills read documents whose inline content can reach 1 MiB each. A Budget caps one
// transaction's share well inside Convex's limits (convex/lib/limits.ts: 16 MiB and 32,000 documents read,
// 4,096 index ranges, 16,000 documents written), so the work is either split into batches or refused with a clear
// message instead of failing half-way. Each document read is usually followed by about one write, so the
// document cap also keeps the writes far below their limit. Deleting or patching a document reads it again (Convex
// counts those bytes too), so a batch that deletes what it read reads each byte twice: BATCH_BYTES leaves room for
// that, plus the one document of up to 1 MiB that tips a batch over: 2 × (6 + 1) MiB < 16 MiB.
export const BATCH_DOCUMENTS = 2000;
export const BATCH_BYTES = 6 * 1024 * 1024;
export const BATCH_QUERIES = 1000;

export class Budget {
  private documents = 0;
  private bytes = 0;
  private queries = 0;

  constructor(
    private readonly maxDocuments = BATCH_DOCUMENTS,
    private readonly maxBytes = BATCH_BYTES,
    private readonly maxQueries = BATCH_QUERIES,
  ) {}

  /** Counts one document read; returns false once the budget is exceeded. */
  charge(doc: Record<string, Value>): boolean {
    this.documents += 1;
    this.bytes += getDocumentSize(doc);
    return this.ok();
  }

  /** Counts bytes about to be read without reading them first (a document whose size is known). */
  chargeBytes(bytes: number): boolean {
    this.bytes += bytes;
    return this.ok();
  }

  /** Counts one index range (a `db.query` or `db.get`); returns false once the budget is exceeded. */
  chargeQuery(count = 1): boolean {
    this.queries += count;
    return this.ok();
  }

  /** False once any of the caps is exceeded. */
  ok(): boolean {
    return this.documents <= this.maxDocuments && this.bytes <= this.maxBytes && this.queries <= this.maxQueries;
  }
}
