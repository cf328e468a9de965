import { Inflate } from "fflate";
import { formatCount } from "./errors";
import { ImportRefused, MAX_ZIP_BYTES, type RawEntry } from "./importCheck";

// Reading a ZIP archive for an import. fflate inflates the data; the central directory is read here because
// fflate's unzip does not expose an entry's external attributes, which is where a symbolic link shows. Every size
// is the archive's declared one until inflated: an entry that inflates past its declared size (a zip bomb that
// lies) is stopped at the first byte over, and one whose bytes do not match its CRC-32 is refused as corrupt.

export interface ZipEntry extends RawEntry {
  method: number;
  compressedSize: number;
  crc: number;
  /** Offset of the entry's local header. */
  offset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

function notZip(detail: string): ImportRefused {
  return new ImportRefused(`This file is not a ZIP archive Polaris can read (${detail}). Pick a .zip file.`);
}

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

/** Lists the entries of `zip` from its central directory. Throws ImportRefused when it is not a readable ZIP. */
export function listZip(zip: Uint8Array): ZipEntry[] {
  if (zip.length > MAX_ZIP_BYTES) {
    throw new ImportRefused(`This archive is ${formatCount(zip.length)} bytes, over the limit of ${formatCount(MAX_ZIP_BYTES)} bytes.`);
  }
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  // The end record is 22 bytes plus a comment of at most 65,535.
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw notZip("no end of central directory record");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw notZip("ZIP64 archives are not supported");
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || view.getUint32(at, true) !== CENTRAL) throw notZip(`central directory entry ${n + 1} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const madeBy = view.getUint16(at + 4, true) >> 8;
    const external = view.getUint32(at + 38, true);
    const offset = view.getUint32(at + 42, true);
    const nameBytes = zip.subarray(at + 46, at + 46 + nameLength);
    const path = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);
    if (flags & 1) throw new ImportRefused(`Entry ${n + 1} ("${path}") is encrypted; Polaris cannot read encrypted archives.`);
    if (method !== 0 && method !== 8) {
      throw new ImportRefused(`Entry ${n + 1} ("${path}") uses compression method ${method}; only stored and deflated entries are supported.`);
    }
    const mode = madeBy === 3 ? external >>> 16 : 0; // Unix attributes, when the archive was made on Unix
    const kind: RawEntry["kind"] =
      (mode & S_IFMT) === S_IFLNK ? "symlink" : path.endsWith("/") || (mode & S_IFMT) === S_IFDIR || (external & 0x10) !== 0 ? "folder" : "file";
    entries.push({ path, kind, size: kind === "file" ? size : 0, method, compressedSize, crc, offset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const INFLATE_STEP = 64 * 1024;

/** The bytes of one file entry, checked against its declared size and CRC-32. */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry, index: number): Uint8Array {
  const what = `Entry ${formatCount(index + 1)} ("${entry.path}")`;
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  if (entry.offset + 30 > zip.length || view.getUint32(entry.offset, true) !== LOCAL) {
    throw new ImportRefused(`${what} is refused because the archive is damaged (its local header is missing).`);
  }
  const start = entry.offset + 30 + view.getUint16(entry.offset + 26, true) + view.getUint16(entry.offset + 28, true);
  if (start + entry.compressedSize > zip.length) throw new ImportRefused(`${what} is refused because the archive is cut short.`);
  const data = zip.subarray(start, start + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new ImportRefused(`${what} is refused because its sizes disagree (damaged archive).`);
    out = data.slice();
  } else {
    out = new Uint8Array(entry.size);
    let filled = 0;
    const inflate = new Inflate((chunk) => {
      if (filled + chunk.length > entry.size) {
        throw new ImportRefused(`${what} is refused because it inflates past its declared size of ${formatCount(entry.size)} bytes (a zip bomb or a damaged archive).`);
      }
      out.set(chunk, filled);
      filled += chunk.length;
    });
    try {
      for (let i = 0; i < data.length; i += INFLATE_STEP) inflate.push(data.subarray(i, i + INFLATE_STEP), i + INFLATE_STEP >= data.length);
      if (data.length === 0) inflate.push(new Uint8Array(0), true);
    } catch (error) {
      if (error instanceof ImportRefused) throw error;
      throw new ImportRefused(`${what} is refused because its data is corrupt (${error instanceof Error ? error.message : String(error)}).`);
    }
    if (filled !== entry.size) throw new ImportRefused(`${what} is refused because it holds fewer bytes than it declares (damaged archive).`);
  }
  if (crc32(out) !== entry.crc) throw new ImportRefused(`${what} is refused because its checksum does not match (corrupt data).`);
  return out;
}
