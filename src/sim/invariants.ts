// The five invariants of Raft's Figure 3 (DESIGN.md §2), checked while the simulation runs, plus two rules whose
// breach is the earliest visible sign of a safety bug (one vote per term; an applied entry never leaves a log).
// Each check is incremental so it can run after every step of thousands of seeded runs.
import type { Entry, NodeId } from '../raft/types.js';
import type { ObservableCore } from './observable-core.js';

export class SimViolation extends Error {
  /** @param atTick for violations found after the run (client history): the tick the offending operation ended. */
  constructor(
    readonly invariant: string,
    detail: string,
    readonly atTick?: number,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

function describeEntry(e: Entry | undefined): string {
  if (e === undefined) return '(none)';
  return `${e.index}/${e.term} ${e.type}${e.tid ? ' ' + e.tid : ''}${e.key ? ' ' + e.key + '=' + e.data : ''}`;
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.index === b.index && a.term === b.term && a.type === b.type && a.tid === b.tid && a.data === b.data && a.key === b.key;
}

/** 53-bit chained hash of a log prefix: equal prefixes give equal values (different ones almost surely differ). */
function chain(prev: number, e: Entry): number {
  let h1 = (prev % 0x100000000) ^ 0x9e3779b9;
  let h2 = Math.floor(prev / 0x100000000) ^ 0x85ebca6b;
  const s = `${e.index}|${e.term}|${e.type}|${e.tid}|${e.key}|${e.data}`;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h1 >>> 15);
  }
  return (h2 >>> 11) * 0x100000000 + (h1 >>> 0);
}

interface LeaderWatch {
  term: number;
  lastIndex: number;
  last: Entry | undefined;
}

export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly votes = new Map<string, NodeId>();
  /** Per node: chained hash of its durable log prefix, position i = through index i (0 = empty log). */
  private readonly chains = new Map<NodeId, number[]>();
  /** "index/term" -> prefix hash, over every entry ever persisted anywhere (Log Matching holds across time). */
  private readonly prefixByIndexTerm = new Map<string, number>();
  /** Committed entries as applied by any node: position i-1 holds index i. */
  private readonly committed: Entry[] = [];
  /**
   * Position i-1: the lowest term in which index i is known to have been committed (a leader's commit index passing
   * it, or the term of a node applying it). Leader Completeness binds leaders of later terms only: a candidate of an
   * earlier term may still count votes that were cast long ago and arrive late.
   */
  private readonly commitTerm: number[] = [];
  private readonly leaderCommitSeen = new Map<NodeId, number>();
  private readonly indexByTid = new Map<string, number>();
  private readonly appliedByNode = new Map<NodeId, number>();
  private readonly leaderWatch = new Map<NodeId, LeaderWatch>();
  private readonly roleSeen = new Map<NodeId, string>();

  leadersElected = 0;

  constructor(private readonly extraChecks = true) {}

  /** Election Safety, Leader Append-Only and Leader Completeness, from the cores' own view after a step. */
  afterStep(id: NodeId, core: ObservableCore): void {
    const role = core.roleNow();
    const term = core.termNow();
    const roleKey = `${role}@${term}`;
    const previous = this.roleSeen.get(id);
    this.roleSeen.set(id, roleKey);
    if (role !== 'leader') {
      this.leaderWatch.delete(id);
      this.leaderCommitSeen.delete(id);
      return;
    }
    const commit = core.commitNow();
    for (let i = (this.leaderCommitSeen.get(id) ?? commit) + 1; i <= commit; i++) {
      this.commitTerm[i - 1] = Math.min(this.commitTerm[i - 1] ?? Infinity, term);
    }
    this.leaderCommitSeen.set(id, commit);
    const becameLeader = previous !== roleKey;
    if (becameLeader) {
      const other = this.leaderOfTerm.get(term);
      if (other !== undefined && other !== id) {
        throw new SimViolation('Election Safety', `${id} and ${other} are both leader of term ${term}`);
      }
      if (other === undefined) {
        this.leaderOfTerm.set(term, id);
        this.leadersElected++;
      }
      this.checkLeaderCompleteness(id, term, core);
    }
    const last = core.lastIndexNow();
    const watch = this.leaderWatch.get(id);
    if (watch !== undefined && watch.term === term && !becameLeader) {
      const now = watch.lastIndex > 0 ? core.entryNow(watch.lastIndex) : undefined;
      if (last < watch.lastIndex || (watch.last && (!now || !sameEntry(now, watch.last)))) {
        throw new SimViolation(
          'Leader Append-Only',
          `leader ${id} (term ${term}) had ${describeEntry(watch.last)} as its last entry; now its log ends at ${last} ` +
            `and holds ${describeEntry(now)} there`,
        );
      }
    }
    this.leaderWatch.set(id, { term, lastIndex: last, last: last > 0 ? core.entryNow(last) : undefined });
  }

  private checkLeaderCompleteness(id: NodeId, term: number, core: ObservableCore): void {
    const upTo = this.committed.length;
    if (upTo === 0) return;
    const mine = core.entriesNow(1, upTo + 1);
    for (let i = 1; i <= upTo; i++) {
      if (!(this.commitTerm[i - 1] < term)) continue;
      const c = this.committed[i - 1];
      const m = mine[i - 1];
      if (m === undefined || m.term !== c.term || m.tid !== c.tid || m.type !== c.type) {
        throw new SimViolation(
          'Leader Completeness',
          `${id} became leader of term ${term} without ${describeEntry(c)}, committed in term ${this.commitTerm[i - 1]} ` +
            `(it holds ${describeEntry(m)})`,
        );
      }
    }
  }

  /** Figure 2: a server grants at most one vote per term (what the persisted vote is for). */
  onVoteGranted(voter: NodeId, term: number, candidate: NodeId): void {
    if (!this.extraChecks) return;
    const key = `${voter}@${term}`;
    const earlier = this.votes.get(key);
    if (earlier !== undefined && earlier !== candidate) {
      throw new SimViolation('One vote per term', `${voter} voted for ${earlier} and then for ${candidate} in term ${term}`);
    }
    this.votes.set(key, candidate);
  }

  /**
   * Called when a node's durable log gets `entries` (replacing its suffix from entries[0].index), before the write.
   * Log Matching: every (index, term) ever persisted must carry the same prefix everywhere.
   * A node never removes or replaces an entry it has itself applied. (Only its own applied entries: a lagging
   * follower may legitimately have a committed index overwritten by a stale leader's entry before it learns of the
   * commit, and later have it fixed.)
   */
  onPersist(id: NodeId, entries: Entry[], lastBefore: number, appliedHere: number): void {
    if (entries.length === 0) return;
    const from = entries[0].index;
    const lastAfter = from + entries.length - 1;
    for (let i = from; this.extraChecks && i <= Math.min(lastBefore, appliedHere); i++) {
      const c = this.committed[i - 1];
      const replacement = i <= lastAfter ? entries[i - from] : undefined;
      if (replacement === undefined || !sameEntry(replacement, c)) {
        throw new SimViolation(
          'Applied entry kept',
          `${id} rewrites its own applied entry ${describeEntry(c)} with ${describeEntry(replacement)} ` +
            `(its log is cut at ${from}, new end ${lastAfter})`,
        );
      }
    }
    let hashes = this.chains.get(id);
    if (!hashes) {
      hashes = [0];
      this.chains.set(id, hashes);
    }
    hashes.length = from;
    for (const e of entries) {
      const h = chain(hashes[hashes.length - 1], e);
      hashes.push(h);
      const key = `${e.index}/${e.term}`;
      const known = this.prefixByIndexTerm.get(key);
      if (known === undefined) this.prefixByIndexTerm.set(key, h);
      else if (known !== h) {
        throw new SimViolation(
          'Log Matching',
          `${id} holds ${describeEntry(e)} but its log up to ${e.index} differs from another log with an entry of ` +
            `the same index and term`,
        );
      }
    }
  }

  /** State Machine Safety: every node applies the same entry at each index, in order; a tid is applied once. */
  onApply(id: NodeId, e: Entry, termNow: number): void {
    this.commitTerm[e.index - 1] = Math.min(this.commitTerm[e.index - 1] ?? Infinity, termNow);
    const expected = (this.appliedByNode.get(id) ?? 0) + 1;
    if (e.index !== expected) {
      throw new SimViolation('State Machine Safety', `${id} applies index ${e.index} but its next index is ${expected}`);
    }
    this.appliedByNode.set(id, e.index);
    const known = this.committed[e.index - 1];
    if (known === undefined) {
      this.committed.push(e);
      if (e.tid !== '') {
        const at = this.indexByTid.get(e.tid);
        if (at !== undefined) {
          throw new SimViolation('Client: tid applied once', `tid ${e.tid} is applied at index ${at} and again at ${e.index}`);
        }
        this.indexByTid.set(e.tid, e.index);
      }
    } else if (!sameEntry(known, e)) {
      throw new SimViolation(
        'State Machine Safety',
        `${id} applies ${describeEntry(e)} at index ${e.index} where another node applied ${describeEntry(known)}`,
      );
    }
  }

  /**
   * After a restart the node re-applies from what its raftlog kept, and its log is what its disk had synced: appends
   * that were written but not synced before the crash are gone, and the prefix hashes must follow the disk (an
   * unsynced append that replaced a suffix would otherwise leave hashes of a log the node no longer has).
   */
  onRestart(id: NodeId, applied: number, durableLog: readonly Entry[] = []): void {
    const hashes = [0];
    for (const e of durableLog) hashes.push(chain(hashes[hashes.length - 1], e));
    this.chains.set(id, hashes);
    this.appliedByNode.set(id, applied);
    this.roleSeen.delete(id);
    this.leaderWatch.delete(id);
    this.leaderCommitSeen.delete(id);
  }

  onCrash(id: NodeId): void {
    this.roleSeen.delete(id);
    this.leaderWatch.delete(id);
    this.leaderCommitSeen.delete(id);
  }

  /** The committed history as applied (index i at position i-1). */
  committedLog(): readonly Entry[] {
    return this.committed;
  }

  /** Whether some node was leader of `term` (for the liveness check). */
  leaderOf(term: number): NodeId | undefined {
    return this.leaderOfTerm.get(term);
  }
}
