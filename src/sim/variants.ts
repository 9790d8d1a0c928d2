// Deliberately broken versions of the core, each one a classic Raft bug, built only through the hooks RaftCore
// documents as extension points. The simulator must catch every one of them (test/sim/broken-variants.test.ts);
// a checker that finds nothing in a broken core is itself broken.
import { ObservableCore } from './observable-core.js';
import type { Entry, HardState, LogReader, RaftConfig } from '../raft/types.js';

/** Figure 8: counts replicas of earlier-term entries toward commit, so a later leader can overwrite them. */
class CommitByCountCore extends ObservableCore {
  protected override commitAllowed(_index: number): boolean {
    return true;
  }
}

/** Serves reads at its commit index without confirming it is still leader: a deposed leader answers stale reads. */
class ReadWithoutQuorumCore extends ObservableCore {
  protected override readNeedsQuorum(): boolean {
    return false;
  }
}

/**
 * Truncates everything after prevLogIndex whenever entries arrive, even when they are a stale or reordered copy of
 * what it already holds: acknowledged (even committed) entries vanish from its log.
 */
class TruncateOnStaleAppendCore extends ObservableCore {
  protected override appendToLog(_prevLogIndex: number, entries: Entry[]): void {
    if (entries.length > 0) this.truncateAndAppend(entries);
  }
}

export type CoreFactory = (cfg: RaftConfig, log: LogReader, hardState: HardState, applied: number) => ObservableCore;

export interface Variant {
  name: string;
  description: string;
  makeCore: CoreFactory;
  /** The disk drops `vote` from every hard state it persists. */
  diskForgetsVote: boolean;
}

const correct: CoreFactory = (cfg, log, hs, applied) => new ObservableCore(cfg, log, hs, applied);

export const VARIANTS: readonly Variant[] = [
  { name: 'correct', description: 'the production core', makeCore: correct, diskForgetsVote: false },
  {
    name: 'commit-by-count',
    description: 'commits earlier-term entries by counting replicas (Figure 8)',
    makeCore: (cfg, log, hs, applied) => new CommitByCountCore(cfg, log, hs, applied),
    diskForgetsVote: false,
  },
  {
    name: 'forget-vote',
    description: 'storage does not persist the vote (a restarted node can vote twice in a term)',
    makeCore: correct,
    diskForgetsVote: true,
  },
  {
    name: 'read-without-quorum',
    description: 'the leader answers reads at its commit index without a ReadIndex heartbeat round',
    makeCore: (cfg, log, hs, applied) => new ReadWithoutQuorumCore(cfg, log, hs, applied),
    diskForgetsVote: false,
  },
  {
    name: 'truncate-stale-append',
    description: 'a follower truncates after prevLogIndex on every AppendEntries, stale or reordered ones included',
    makeCore: (cfg, log, hs, applied) => new TruncateOnStaleAppendCore(cfg, log, hs, applied),
    diskForgetsVote: false,
  },
];

export function findVariant(name: string): Variant {
  const v = VARIANTS.find((x) => x.name === name);
  if (!v) throw new RangeError(`unknown variant ${name}; known: ${VARIANTS.map((x) => x.name).join(', ')}`);
  return v;
}
