// Polls every node's status() during a chaos run: remembers which node led in which term (the "leaders seen"
// figure), and notices two nodes claiming leadership of the same term (Election Safety, seen from outside).
import type { LocalCluster } from '../node/local-cluster.js';

/** The first time a node was seen leading a term (ms since the run started): one mark on the timeline. */
export interface LeaderChange {
  at: number;
  term: number;
  id: string;
  /** The last time it was seen leading that term: the timeline shows the stretch between as a gap with no leader. */
  lastAt: number;
}

export class LeaderObserver {
  readonly leaderByTerm = new Map<number, string>();
  readonly conflicts: string[] = [];
  /** One per term with a leader, in the order they were seen (so as many as leaderByTerm holds). */
  readonly changes: LeaderChange[] = [];
  /** Index of the node that most recently reported itself leader in the highest term seen. */
  latestLeader: number | null = null;
  private latestTerm = -1;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly cluster: LocalCluster,
    /** ms since the run started. */
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Each answer is stamped when it arrives: waiting for a stopped node's timeout would put the mark late.
      const answers = await Promise.all(this.cluster.nodes.map((_, i) => this.cluster.status(i, 500).then((s) => ({ s, at: this.now() }))));
      answers.forEach(({ s, at }, i) => {
        if (s === null || s.role !== 'leader') return;
        const known = this.leaderByTerm.get(s.term);
        if (known === undefined) {
          this.leaderByTerm.set(s.term, s.id);
          this.changes.push({ at, term: s.term, id: s.id, lastAt: at });
        } else if (known === s.id) {
          const c = this.changes.find((x) => x.term === s.term);
          if (c !== undefined) c.lastAt = Math.max(c.lastAt, at);
        } else if (known !== s.id) this.conflicts.push(`term ${s.term}: ${known} and ${s.id} both reported leader`);
        if (s.term >= this.latestTerm) {
          this.latestTerm = s.term;
          this.latestLeader = i;
        }
      });
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }
}
