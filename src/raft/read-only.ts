// ReadIndex bookkeeping for the leader (Raft thesis §6.4, etcd's read_only.go). A read is safe to serve at the commit
// index the leader had when the read arrived, once a majority has acknowledged the leader in a heartbeat round that
// started after the read arrived. Reads arriving together share one round.
import type { ReadState } from './types.js';

interface ReadRound {
  /** Seq of the heartbeat round; any follower reply echoing a seq >= this one confirms it. */
  seq: number;
  /** Commit index to serve at: the highest commit index seen when any read of the round arrived. */
  index: number;
  ctxs: number[];
}

export class ReadOnlyQueue {
  /** Reads received before the leader committed an entry of its own term (it does not yet know the commit index). */
  private waitingForTermCommit: number[] = [];
  /** Reads that will go out with the next heartbeat round. */
  private open: { index: number; ctxs: number[] } | null = null;
  /** Rounds sent, oldest first (seqs increase along the queue). */
  private rounds: ReadRound[] = [];

  waitForTermCommit(ctx: number): void {
    this.waitingForTermCommit.push(ctx);
  }

  /** The leader committed an entry of its term: reads that waited for it can join a round. */
  releaseWaiting(): number[] {
    const ctxs = this.waitingForTermCommit;
    this.waitingForTermCommit = [];
    return ctxs;
  }

  addToOpenRound(ctx: number, commitIndex: number): void {
    if (this.open === null) this.open = { index: commitIndex, ctxs: [] };
    this.open.index = Math.max(this.open.index, commitIndex);
    this.open.ctxs.push(ctx);
  }

  hasOpenRound(): boolean {
    return this.open !== null;
  }

  /** The open round's heartbeats went out with `seq`. */
  startOpenRound(seq: number): void {
    if (this.open === null) return;
    this.rounds.push({ seq, index: this.open.index, ctxs: this.open.ctxs });
    this.open = null;
  }

  hasPendingRounds(): boolean {
    return this.rounds.length > 0;
  }

  /** Pops every round whose seq is confirmed (confirmedSeq = highest seq acknowledged by a quorum). */
  confirmUpTo(confirmedSeq: number): ReadState[] {
    const out: ReadState[] = [];
    let k = 0;
    while (k < this.rounds.length && this.rounds[k].seq <= confirmedSeq) {
      for (const ctx of this.rounds[k].ctxs) out.push({ ctx, index: this.rounds[k].index });
      k++;
    }
    if (k > 0) this.rounds = this.rounds.slice(k);
    return out;
  }

  /** Leadership lost: every read not yet answered fails. */
  drainAll(): number[] {
    const out = this.waitingForTermCommit.slice();
    if (this.open !== null) out.push(...this.open.ctxs);
    for (const r of this.rounds) out.push(...r.ctxs);
    this.waitingForTermCommit = [];
    this.open = null;
    this.rounds = [];
    return out;
  }
}
