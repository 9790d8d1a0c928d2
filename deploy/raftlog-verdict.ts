// The verdict on the raftlogs downloaded by get_raftlog: Raft promises every node's committed log is a prefix of one
// history. We take the longest file as that history, check every other file line by line against it, and say which
// host diverges at which line. Pure (strings in, verdict out) so it is tested without machines.

export interface HostRaftlog {
  host: string;
  text: string;
}

export interface HostVerdict {
  host: string;
  lines: number;
  /** Lines whose entry is not a leader no-op (the client's adds and sets). */
  clientEntries: number;
  /** 1-based line where this host's file first differs from the reference history, or null if it is a prefix. */
  divergesAt: number | null;
  /** A final line without its newline (a write cut short); reported, not counted. */
  partialLastLine: boolean;
}

export interface RaftlogVerdict {
  consistent: boolean;
  /** Host whose raftlog is taken as the reference history (the longest). */
  reference: string | null;
  identical: boolean;
  hosts: HostVerdict[];
}

function splitLines(text: string): { lines: string[]; partial: boolean } {
  if (text === '') return { lines: [], partial: false };
  const parts = text.split('\n');
  // The piece after the last newline is empty for a complete file, or a line whose write was cut short.
  const partial = parts.pop() !== '';
  return { lines: parts, partial };
}

function isClientEntry(line: string): boolean {
  try {
    const e = JSON.parse(line) as { type?: unknown };
    return e.type !== 'noop';
  } catch {
    return true;
  }
}

export function judgeRaftlogs(logs: HostRaftlog[]): RaftlogVerdict {
  const split = logs.map((l) => ({ host: l.host, text: l.text, ...splitLines(l.text) }));
  const ref = split.reduce<(typeof split)[number] | null>((best, l) => (best === null || l.lines.length > best.lines.length ? l : best), null);
  const hosts: HostVerdict[] = split.map((l) => {
    let divergesAt: number | null = null;
    if (ref) {
      for (let i = 0; i < l.lines.length; i++) {
        if (l.lines[i] !== ref.lines[i]) {
          divergesAt = i + 1;
          break;
        }
      }
    }
    return {
      host: l.host,
      lines: l.lines.length,
      clientEntries: l.lines.filter(isClientEntry).length,
      divergesAt,
      partialLastLine: l.partial,
    };
  });
  const consistent = hosts.every((h) => h.divergesAt === null);
  const identical = consistent && split.every((l) => l.text === split[0].text);
  return { consistent, reference: ref?.host ?? null, identical, hosts };
}

export function describeVerdict(v: RaftlogVerdict): string[] {
  const width = Math.max(4, ...v.hosts.map((h) => h.host.length));
  const out = [`${'host'.padEnd(width)}  lines  client-entries  verdict`];
  for (const h of v.hosts) {
    const verdict = h.divergesAt !== null ? `DIVERGES from ${v.reference} at line ${h.divergesAt}` : h.host === v.reference ? 'reference (longest)' : 'prefix of reference';
    out.push(`${h.host.padEnd(width)}  ${String(h.lines).padStart(5)}  ${String(h.clientEntries).padStart(14)}  ${verdict}${h.partialLastLine ? ' (last line cut short)' : ''}`);
  }
  out.push(
    !v.consistent
      ? 'verdict: INCONSISTENT: some raftlogs are not prefixes of one history'
      : v.identical
        ? 'verdict: consistent: all raftlogs are byte-identical'
        : 'verdict: consistent: every raftlog is a prefix of one history (some nodes are behind)',
  );
  return out;
}
