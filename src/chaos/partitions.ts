// Which directed links between nodes are cut right now. Several partitions may overlap; a link is open again when
// every partition that cut it has healed.
import type { LinkPolicy } from './partition-proxy.js';

export class PartitionTable implements LinkPolicy {
  private readonly cuts = new Map<string, number>();

  isBlocked(from: string, to: string): boolean {
    return (this.cuts.get(`${from}>${to}`) ?? 0) > 0;
  }

  /** Cuts the links and returns the function that heals exactly them. */
  cut(links: [string, string][]): () => void {
    for (const [a, b] of links) this.cuts.set(`${a}>${b}`, (this.cuts.get(`${a}>${b}`) ?? 0) + 1);
    let healed = false;
    return () => {
      if (healed) return;
      healed = true;
      for (const [a, b] of links) {
        const k = `${a}>${b}`;
        const n = (this.cuts.get(k) ?? 0) - 1;
        if (n > 0) this.cuts.set(k, n);
        else this.cuts.delete(k);
      }
    };
  }

  clear(): void {
    this.cuts.clear();
  }
}

/** Both directions between every node of `a` and every node of `b`. */
export function splitLinks(a: string[], b: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const x of a) for (const y of b) out.push([x, y], [y, x]);
  return out;
}
