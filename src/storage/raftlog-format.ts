// The raftlog line format: JSON.stringify of {index, term, type, tid, data, key} built in exactly that key order, then a
// trailing "crc" field: the CRC-32 (8 lowercase hex digits) of the line as it would be without that field, i.e. of
// JSON.stringify({index, term, type, tid, data, key}). Anyone can check a line with JSON.parse, deleting "crc" and
// JSON.stringify again. Every node must produce byte-identical files (operators and the chaos checker diff them), so
// there is exactly one formatter. Parsing has two paths: parseRaftlogLine (JSON.parse plus a shape check; the
// reference) and LineChunk.parse (raftlog-chunk.ts), a byte-level fast path for startup scans of millions of lines,
// where one JSON.parse per line alone costs ~2 µs (2 s for 1,000,000 entries on this machine). The fast path only
// accepts the exact layout the formatter writes and hands anything else to the reference parser, so the two can never
// disagree on the layout they accept; the fast path leaves the checksum to LineChunk.crcWhy, which the raftlog runs on
// every line once, when it is opened.
import { crc32 } from 'node:zlib';
import type { Entry, EntryType } from '../raft/types.js';

/** `,"crc":"` + 8 hex digits + `"}`: the fixed-size end of every line. */
export const CRC_SUFFIX_BYTES = 18;

/** The line without its checksum: what the crc covers (and what a WAL record holds for the entry). */
export function formatRaftlogBase(e: Entry): string {
  return JSON.stringify({ index: e.index, term: e.term, type: e.type, tid: e.tid, data: e.data, key: e.key });
}

export function crcHex(crc: number): string {
  return crc.toString(16).padStart(8, '0');
}

export function formatRaftlogLine(e: Entry): string {
  const base = formatRaftlogBase(e);
  return `${base.slice(0, -1)},"crc":"${crcHex(crc32(base))}"}`;
}

const TYPES: ReadonlySet<string> = new Set<EntryType>(['noop', 'add', 'set', 'config']);

/** Parses one line (without its newline); throws an Error saying what is wrong. */
export function parseRaftlogLine(s: string): Entry {
  const v: unknown = JSON.parse(s);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  const o = v as Record<string, unknown>;
  const { index, term, type, tid, data, key, crc } = o;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) throw new Error('bad "index"');
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new Error('bad "term"');
  if (typeof type !== 'string' || !TYPES.has(type)) throw new Error('bad "type"');
  if (typeof tid !== 'string' || typeof data !== 'string' || typeof key !== 'string') throw new Error('"tid", "data" and "key" must be strings');
  if (typeof crc !== 'string' || !/^[0-9a-f]{8}$/.test(crc)) throw new Error('no "crc" of 8 hex digits');
  const e: Entry = { index, term, type: type as EntryType, tid, data, key };
  // Same keys in the same order and nothing else: anything else would not be byte-identical across nodes.
  const canonical = formatRaftlogLine(e);
  if (canonical !== s) {
    if (canonical.slice(0, -CRC_SUFFIX_BYTES) === s.slice(0, -CRC_SUFFIX_BYTES)) throw new Error('checksum mismatch');
    throw new Error('not in the canonical raftlog layout');
  }
  return e;
}
