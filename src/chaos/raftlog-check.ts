// After a chaos run: every node's raftlog must be a prefix of one history (line k holds index k, byte-identical
// across nodes). The longest one is that history.
import { readFileSync, existsSync } from 'node:fs';
import type { Entry } from '../raft/types.js';

export interface RaftlogVerdict {
  ok: boolean;
  message: string;
  /** The longest raftlog, parsed. */
  history: Entry[];
  lengths: number[];
}

export function checkRaftlogs(paths: string[]): RaftlogVerdict {
  const lines = paths.map((p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '') : []));
  const lengths = lines.map((l) => l.length);
  const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), [] as string[]);
  for (let n = 0; n < lines.length; n++) {
    for (let k = 0; k < lines[n].length; k++) {
      if (lines[n][k] !== longest[k]) {
        return {
          ok: false,
          message: `${paths[n]} line ${k + 1} differs from the longest raftlog:\n  ${lines[n][k]}\n  ${longest[k]}`,
          history: [],
          lengths,
        };
      }
    }
  }
  const history: Entry[] = [];
  for (let k = 0; k < longest.length; k++) {
    let e: Entry;
    try {
      e = JSON.parse(longest[k]) as Entry;
    } catch {
      return { ok: false, message: `raftlog line ${k + 1} is not JSON: ${longest[k]}`, history: [], lengths };
    }
    if (e.index !== k + 1) return { ok: false, message: `raftlog line ${k + 1} holds index ${e.index}`, history: [], lengths };
    history.push(e);
  }
  return { ok: true, message: '', history, lengths };
}
