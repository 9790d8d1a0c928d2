// Deliberately broken versions of the core, each one a classic Raft bug, built only through the hooks RaftCore
// documents as extension points. The simulator must catch every one of them (test/sim/broken-variants.test.ts);
// a checker that finds nothing in a broken core is itself broken.
import { NodeRuntime, type RuntimeOptions } from '../node/runtime.js';
import { ObservableCore } from './observable-core.js';
import type { Entry, HardState, LogReader, Message, RaftConfig, Ready } from '../raft/types.js';

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

/**
 * A lease longer than the election timeout, and no check-quorum to end a cut-off leader's term: a leader partitioned
 * from its followers goes on answering reads alone after they have elected another leader and moved on.
 */
class LongLeaseCore extends ObservableCore {
  protected override leaseTicks(): number {
    return 10 * this.cfg.electionTicks;
  }
}

/**
 * The runtime's ordering broken: every message of a Ready leaves before its fsync, votes and append acknowledgements
 * included (only a leader's own AppendRequests may, thesis §10.2.1). A node that crashes in the window has promised a
 * vote or an entry its disk never got: it can vote twice in a term, and an entry counted toward commit can vanish.
 */
class RespondBeforeSyncRuntime extends NodeRuntime {
  protected override sendsBeforeSync(_m: Message, _rd: Ready): boolean {
    return true;
  }
}

/** Without the 2015 fix: accepts a membership change before an entry of its own term has committed. */
class ReconfigBeforeTermCommitCore extends ObservableCore {
  protected override confChangeNeedsTermCommit(): boolean {
    return false;
  }
}

/** Accepts a membership change while the previous one is still uncommitted: two changes overlap. */
class OverlappingReconfigCore extends ObservableCore {
  protected override confChangeWaitsForPrevious(): boolean {
    return false;
  }
}

export type CoreFactory = (cfg: RaftConfig, log: LogReader, hardState: HardState, applied: number) => ObservableCore;

export interface Variant {
  name: string;
  description: string;
  makeCore: CoreFactory;
  /** The disk drops `vote` from every hard state it persists. */
  diskForgetsVote: boolean;
  /** Runs in this read mode unless the simulation names one. */
  readMode?: 'index' | 'lease';
  /** Builds the runtime (default: the production NodeRuntime). */
  makeRuntime?: (opts: RuntimeOptions) => NodeRuntime;
  /** Runs with membership changes unless the simulation says otherwise. */
  reconfig?: boolean;
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
    name: 'lease-too-long',
    description: 'lease reads with a lease ten election timeouts long and no check-quorum',
    makeCore: (cfg, log, hs, applied) => new LongLeaseCore({ ...cfg, checkQuorum: false }, log, hs, applied),
    diskForgetsVote: false,
    readMode: 'lease',
  },
  {
    name: 'respond-before-sync',
    description: 'the runtime sends votes and append acknowledgements before its own fsync',
    makeCore: correct,
    diskForgetsVote: false,
    makeRuntime: (opts) => new RespondBeforeSyncRuntime(opts),
  },
  {
    name: 'reconfig-before-term-commit',
    description: 'membership changes accepted before the leader committed an entry of its term (no 2015 fix)',
    makeCore: (cfg, log, hs, applied) => new ReconfigBeforeTermCommitCore(cfg, log, hs, applied),
    diskForgetsVote: false,
    reconfig: true,
  },
  {
    name: 'overlapping-reconfig',
    description: 'a membership change accepted while the previous one is uncommitted',
    makeCore: (cfg, log, hs, applied) => new OverlappingReconfigCore(cfg, log, hs, applied),
    diskForgetsVote: false,
    reconfig: true,
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
