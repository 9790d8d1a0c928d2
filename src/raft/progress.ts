// The leader's view of one follower (etcd's tracker/progress.go): how far its log matches, what to send next, and
// how much may be in flight. Probe: one AppendRequest at a time until the follower's log position is found.
// Replicate: optimistic pipelining, up to maxInflight requests, each a batch of entries.
export type ProgressState = 'probe' | 'replicate';

export class Progress {
  /** Highest index known to match the leader's log on this follower. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** Probe only: a probe is outstanding; send nothing more until a response (or a heartbeat response) arrives. */
  probeSent = false;
  /** Seq of the last probe sent: rejections answering older requests are stale and ignored. */
  probeSeq = 0;
  /** Replicate only: last index carried by each AppendRequest in flight, oldest first. */
  private inflight: number[] = [];
  /** Highest seq this follower has echoed in the current term (confirms leadership for ReadIndex rounds). */
  ackedSeq = 0;
  /** The follower has answered this leader at least once (membership checks trust only members heard from). */
  responded = false;
  /** Leader tick at which we last heard from this follower in the current term (check-quorum). */
  lastHeardTick: number;
  /** Leader tick at which `match` last advanced, or at which we entered replicate (stall detection). */
  lastProgressTick: number;

  constructor(lastIndex: number, nowTick: number) {
    this.next = lastIndex + 1;
    this.lastHeardTick = nowTick;
    this.lastProgressTick = nowTick;
  }

  isPaused(maxInflight: number): boolean {
    return this.state === 'probe' ? this.probeSent : this.inflight.length >= maxInflight;
  }

  inflightCount(): number {
    return this.inflight.length;
  }

  /** Record an AppendRequest carrying entries up to lastIndex. */
  sentEntries(lastIndex: number, seq: number, nowTick: number): void {
    if (this.state === 'replicate') {
      // An idle pipeline starts its stall clock now, not when it last made progress long ago.
      if (this.inflight.length === 0) this.lastProgressTick = nowTick;
      this.next = lastIndex + 1;
      this.inflight.push(lastIndex);
    } else {
      this.probeSent = true;
      this.probeSeq = seq;
    }
  }

  /** A successful response: returns true if match moved forward. */
  maybeUpdate(matchIndex: number, nowTick: number): boolean {
    let advanced = false;
    if (matchIndex > this.match) {
      this.match = matchIndex;
      this.lastProgressTick = nowTick;
      advanced = true;
    }
    if (this.next < matchIndex + 1) this.next = matchIndex + 1;
    let freed = 0;
    while (freed < this.inflight.length && this.inflight[freed] <= matchIndex) freed++;
    if (freed > 0) this.inflight = this.inflight.slice(freed);
    return advanced;
  }

  becomeProbe(): void {
    this.state = 'probe';
    this.probeSent = false;
    this.inflight = [];
    this.next = this.match + 1;
  }

  becomeReplicate(nowTick: number): void {
    this.state = 'replicate';
    this.probeSent = false;
    this.inflight = [];
    this.next = this.match + 1;
    this.lastProgressTick = nowTick;
  }
}
