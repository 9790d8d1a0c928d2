// Majority arithmetic shared by commit (match indexes), ReadIndex (acknowledged rounds) and elections (votes).

/** A strict majority of a cluster of `size` members. */
export function majority(size: number): number {
  return Math.floor(size / 2) + 1;
}

/**
 * The largest value that at least `quorum` of `values` reach (the quorum-th largest). With match indexes it is the
 * highest index replicated on a majority. Clusters are a handful of nodes, so sorting a copy is cheap.
 */
export function quorumValue(values: number[], quorum: number): number {
  const sorted = values.slice().sort((a, b) => b - a);
  return sorted[Math.min(quorum, sorted.length) - 1] ?? 0;
}

/** Yes/no answers of one campaign; each voter counts once however often its answer arrives. */
export class VoteTally {
  private readonly answers = new Map<string, boolean>();

  constructor(
    private readonly clusterSize: number,
    private readonly quorum: number,
  ) {}

  record(voter: string, granted: boolean): void {
    if (!this.answers.has(voter)) this.answers.set(voter, granted);
  }

  /** 'won' once a majority granted, 'lost' once a majority can no longer be reached. */
  result(): 'won' | 'lost' | 'pending' {
    let yes = 0;
    for (const g of this.answers.values()) if (g) yes++;
    const no = this.answers.size - yes;
    if (yes >= this.quorum) return 'won';
    if (no > this.clusterSize - this.quorum) return 'lost';
    return 'pending';
  }

  clear(): void {
    this.answers.clear();
  }
}
