// The check every bench run ends with (DESIGN.md §2): every node's raftlog is a byte prefix of one history (the
// longest file), line k of it holds index k, no tid appears twice, and every write the bench saw acknowledged is in it
// exactly once. Streams the files (a 1,000,000-entry raftlog is ~150 MB per node), so memory stays flat.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface RaftlogAudit {
  ok: boolean;
  /** One line: what was checked, or the first problem found. */
  message: string;
  linesPerNode: number[];
  acknowledgedWrites: number;
  missing: number;
  duplicated: number;
}

const CHUNK = 1 << 20;

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** First byte offset where `a` (the shorter) differs from `b`, or -1 if `a` is a byte prefix of `b`. */
async function prefixMismatch(a: string, aSize: number, b: string): Promise<number> {
  if (aSize === 0) return -1;
  const fa = await open(a, 'r');
  const fb = await open(b, 'r');
  try {
    const ba = Buffer.alloc(CHUNK);
    const bb = Buffer.alloc(CHUNK);
    for (let off = 0; off < aSize; off += CHUNK) {
      const len = Math.min(CHUNK, aSize - off);
      const ra = await fa.read(ba, 0, len, off);
      const rb = await fb.read(bb, 0, len, off);
      if (rb.bytesRead < len || ra.bytesRead < len) return off + Math.min(ra.bytesRead, rb.bytesRead);
      if (!ba.subarray(0, len).equals(bb.subarray(0, len))) {
        for (let i = 0; i < len; i++) if (ba[i] !== bb[i]) return off + i;
      }
    }
    return -1;
  } finally {
    await fa.close();
    await fb.close();
  }
}

/** The line number (1-based) holding byte `offset`. */
async function lineAt(path: string, offset: number): Promise<number> {
  let line = 1;
  let seen = 0;
  for await (const chunk of createReadStream(path, { end: Math.max(0, offset - 1) })) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length && seen + i < offset; i++) if (buf[i] === 0x0a) line++;
    seen += buf.length;
  }
  return line;
}

export async function auditRaftlogs(paths: string[], acknowledged: Iterable<string>): Promise<RaftlogAudit> {
  const acked = new Map<string, number>();
  // The bench makes every tid once; an acknowledgement of a tid already acknowledged was answered by the duplicate
  // check (no new entry), so the throughput around it measured something else: a failure of the bench itself.
  let reacked = 0;
  for (const t of acknowledged) {
    if (acked.has(t)) reacked++;
    else acked.set(t, 0);
  }
  const sizes = await Promise.all(paths.map(sizeOf));
  const longest = sizes.indexOf(Math.max(...sizes));
  const fail = (message: string, linesPerNode: number[] = []): RaftlogAudit => ({ ok: false, message, linesPerNode, acknowledgedWrites: acked.size, missing: 0, duplicated: 0 });

  for (let i = 0; i < paths.length; i++) {
    if (i === longest) continue;
    const at = await prefixMismatch(paths[i], sizes[i], paths[longest]);
    if (at >= 0) return fail(`${paths[i]} differs from ${paths[longest]} at byte ${at} (line ${await lineAt(paths[i], at)}): not a prefix of one history`);
  }

  const linesPerNode = sizes.map(() => 0);
  const seenTids = new Set<string>();
  let k = 0;
  let problem: string | null = null;
  const reader = createInterface({ input: createReadStream(paths[longest]), crlfDelay: Infinity });
  for await (const line of reader) {
    k++;
    let e: { index?: unknown; tid?: unknown };
    try {
      e = JSON.parse(line) as { index?: unknown; tid?: unknown };
    } catch {
      problem ??= `${paths[longest]} line ${k} is not JSON`;
      continue;
    }
    if (e.index !== k) problem ??= `${paths[longest]} line ${k} holds index ${String(e.index)}`;
    if (typeof e.tid === 'string' && e.tid !== '') {
      if (seenTids.has(e.tid)) problem ??= `tid ${e.tid} appears twice (again at line ${k})`;
      seenTids.add(e.tid);
      const n = acked.get(e.tid);
      if (n !== undefined) acked.set(e.tid, n + 1);
    }
  }
  // Line counts per node: a prefix of the longest, so its size in bytes maps to a line count of the longest.
  for (let i = 0; i < paths.length; i++) linesPerNode[i] = i === longest ? k : await lineAt(paths[longest], sizes[i]) - 1;
  let missing = 0;
  let duplicated = 0;
  let firstMissing: string | null = null;
  for (const [tid, n] of acked) {
    if (n === 0) {
      missing++;
      firstMissing ??= tid;
    } else if (n > 1) duplicated++;
  }
  if (problem === null && missing > 0) problem = `${missing} acknowledged write(s) missing from the raftlog (e.g. ${firstMissing})`;
  if (problem === null && duplicated > 0) problem = `${duplicated} acknowledged write(s) appear more than once`;
  if (problem === null && reacked > 0) problem = `the bench used ${reacked} tid(s) twice: those writes were acknowledged as retries, without new entries`;
  return {
    ok: problem === null,
    message: problem ?? `every raftlog is a prefix of one history of ${k} entries; all ${acked.size} acknowledged writes present exactly once`,
    linesPerNode,
    acknowledgedWrites: acked.size,
    missing,
    duplicated,
  };
}
