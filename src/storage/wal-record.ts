// Write-ahead log record framing: [u32 payload length][u32 crc32 of the payload][payload], little-endian.
// Payload: [u8 kind = 1][u8 0][u48 first index][u32 entry count][JSON array of the entries].
// One record per append() call; its first index says where it goes, so a record starting at or below the current
// last index IS the suffix replacement ("from index i on, the log is this"), replayed exactly as it happened.
// The first index and count sit in binary before the JSON so replay can skip, without parsing, records whose
// entries are all in the raftlog already (they are compared with it byte for byte instead: wal-raftlog-check.ts).
// The JSON array holds each entry exactly as its raftlog line without the checksum (formatRaftlogBase), comma
// separated, so that comparison needs no parsing.
import { crc32 } from 'node:zlib';
import type { Entry, EntryType } from '../raft/types.js';
import { formatRaftlogBase } from './raftlog-format.js';

export const RECORD_HEADER_BYTES = 8;
const PAYLOAD_HEADER_BYTES = 12;
const KIND_ENTRIES = 1;

export function encodeRecord(first: number, entries: Entry[]): Buffer {
  let text = '[';
  for (let k = 0; k < entries.length; k++) text += (k === 0 ? '' : ',') + formatRaftlogBase(entries[k]);
  const json = Buffer.from(text + ']', 'utf8');
  const rec = Buffer.allocUnsafe(RECORD_HEADER_BYTES + PAYLOAD_HEADER_BYTES + json.length);
  const p = RECORD_HEADER_BYTES;
  rec.writeUInt8(KIND_ENTRIES, p);
  rec.writeUInt8(0, p + 1);
  rec.writeUIntLE(first, p + 2, 6);
  rec.writeUInt32LE(entries.length, p + 8);
  json.copy(rec, p + PAYLOAD_HEADER_BYTES);
  rec.writeUInt32LE(rec.length - RECORD_HEADER_BYTES, 0);
  rec.writeUInt32LE(crc32(rec.subarray(RECORD_HEADER_BYTES)), 4);
  return rec;
}

/** A checksummed record found in a segment; `entries()` parses its JSON (throws an Error saying what is wrong). */
export interface DecodedRecord {
  first: number;
  count: number;
  /** Offset just past the record. */
  end: number;
  /** The JSON array of the entries (a view into the segment's buffer, valid during replay's callback only). */
  json: Buffer;
  entries(): Entry[];
}

export type FrameResult = { ok: true; record: DecodedRecord } | { ok: false; why: string; runsPastEnd: boolean };

/** Checks the frame at `off` of a segment's bytes. runsPastEnd: the record would end beyond the data (a torn write). */
export function decodeRecordAt(buf: Buffer, off: number): FrameResult {
  if (off + RECORD_HEADER_BYTES > buf.length) return { ok: false, why: 'record header cut short', runsPastEnd: true };
  const len = buf.readUInt32LE(off);
  const crc = buf.readUInt32LE(off + 4);
  const end = off + RECORD_HEADER_BYTES + len;
  if (end > buf.length) return { ok: false, why: `record of ${len} bytes runs past the end of the file`, runsPastEnd: true };
  // A zero length is what an unwritten (zero-filled) tail looks like; crc32 of nothing is 0, so check it apart.
  if (len < PAYLOAD_HEADER_BYTES) return { ok: false, why: `record length ${len} is too small`, runsPastEnd: false };
  const payload = buf.subarray(off + RECORD_HEADER_BYTES, end);
  if (crc32(payload) !== crc) return { ok: false, why: 'checksum mismatch', runsPastEnd: false };
  if (payload[0] !== KIND_ENTRIES) return { ok: false, why: `unknown record kind ${payload[0]}`, runsPastEnd: false };
  const first = payload.readUIntLE(2, 6);
  const count = payload.readUInt32LE(8);
  return {
    ok: true,
    record: { first, count, end, json: payload.subarray(PAYLOAD_HEADER_BYTES), entries: () => parseEntries(payload.subarray(PAYLOAD_HEADER_BYTES), first, count) },
  };
}

const TYPES: ReadonlySet<string> = new Set<EntryType>(['noop', 'add', 'set', 'config']);

function parseEntries(json: Buffer, first: number, count: number): Entry[] {
  const v: unknown = JSON.parse(json.toString('utf8'));
  if (!Array.isArray(v) || v.length !== count) throw new Error(`expected an array of ${count} entries`);
  return v.map((x: unknown, k: number): Entry => {
    const o = x as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw new Error(`entry ${k} is not an object`);
    const { index, term, type, tid, data, key } = o;
    if (index !== first + k) throw new Error(`entry ${k} has index ${String(index)}, expected ${first + k}`);
    if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new Error(`entry ${first + k} has a bad term`);
    if (typeof type !== 'string' || !TYPES.has(type)) throw new Error(`entry ${first + k} has a bad type`);
    if (typeof tid !== 'string' || typeof data !== 'string' || typeof key !== 'string') throw new Error(`entry ${first + k} has a bad string field`);
    return { index: first + k, term, type: type as EntryType, tid, data, key };
  });
}
