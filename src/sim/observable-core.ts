// The real RaftCore, with a read-only window onto its state for the simulator's invariant checks. Nothing here
// changes behaviour: the simulator runs the production core, and broken variants (variants.ts) override only the
// documented hooks.
import { RaftCore } from '../raft/core.js';
import type { Entry, NodeId, Role } from '../raft/types.js';

export class ObservableCore extends RaftCore {
  roleNow(): Role {
    return this.role;
  }

  termNow(): number {
    return this.term;
  }

  voteNow(): NodeId | null {
    return this.vote;
  }

  commitNow(): number {
    return this.commit;
  }

  lastIndexNow(): number {
    return this.raftLog.lastIndex();
  }

  /** The core's whole view of its log (durable entries overlaid by unstable ones), lo <= index < hi. */
  entriesNow(lo: number, hi: number): Entry[] {
    return this.raftLog.entries(lo, hi);
  }

  entryNow(index: number): Entry | undefined {
    return this.raftLog.entries(index, index + 1)[0];
  }
}
