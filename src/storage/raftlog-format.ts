// The raftlog line format: JSON.stringify of {index, term, type, tid, data, key} built in exactly that key order, one
// line per entry. Every node must produce byte-identical files (operators and the chaos checker diff them), so there
// is exactly one formatter. Parsing has two paths: parseRaftlogLine (JSON.parse plus a shape check; the reference) and
// parseRaftlogLineBytes, a byte-level fast path for startup scans of millions of lines, where one JSON.parse per line
// alone costs ~2 µs (2 s for 1,000,000 entries on this machine). The fast path only accepts the exact layout the
// formatter writes and hands anything else to the reference parser, so the two can never disagree on what they accept.
import type { Entry, EntryType } from '../raft/types.js';

export function formatRaftlogLine(e: Entry): string {
  return JSON.stringify({ index: e.index, term: e.term, type: e.type, tid: e.tid, data: e.data, key: e.key });
}

const TYPES: ReadonlySet<string> = new Set<EntryType>(['noop', 'add', 'set']);

/** Parses one line (without its newline); throws an Error saying what is wrong. */
export function parseRaftlogLine(s: string): Entry {
  const v: unknown = JSON.parse(s);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  const o = v as Record<string, unknown>;
  const { index, term, type, tid, data, key } = o;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) throw new Error('bad "index"');
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new Error('bad "term"');
  if (typeof type !== 'string' || !TYPES.has(type)) throw new Error('bad "type"');
  if (typeof tid !== 'string' || typeof data !== 'string' || typeof key !== 'string') throw new Error('"tid", "data" and "key" must be strings');
  const e: Entry = { index, term, type: type as EntryType, tid, data, key };
  // Same keys in the same order and nothing else: anything else would not be byte-identical across nodes.
  if (formatRaftlogLine(e) !== s) throw new Error('not in the canonical raftlog layout');
  return e;
}
