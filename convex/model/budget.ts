import { getDocumentSize, type Value } from "convex/values";

// Bulk deletes and copies read documents whose inline content can reach 1 MiB each. A Budget caps one
// transaction's share well inside Convex's limits (16 MiB read, 32,000 documents read, 16,000 written), so
// the work is either split into batches or refused with a clear message instead of failing half-way.
export const BATCH_DOCUMENTS = 2000;
export const BATCH_BYTES = 8 * 1024 * 1024;

export class Budget {
  private documents = 0;
  private bytes = 0;

  constructor(
    private readonly maxDocuments = BATCH_DOCUMENTS,
    private readonly maxBytes = BATCH_BYTES,
  ) {}

  /** Counts one document read; returns false once the budget is exceeded. */
  charge(doc: Record<string, Value>): boolean {
    this.documents += 1;
    this.bytes += getDocumentSize(doc);
    return this.documents <= this.maxDocuments && this.bytes <= this.maxBytes;
  }
}
