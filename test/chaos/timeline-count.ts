// Reads back what a chaos timeline page draws, by its stable markers (class and data-* attributes), so tests can
// compare the picture with the run without a browser.

export interface TimelineCounts {
  svgs: number;
  mode: string;
  declaredOps: number;
  /** Operations drawn one by one. */
  ops: number;
  buckets: number;
  /** Operations summed into buckets. */
  bucketOps: number;
  /** By outcome, over single bars and buckets together. */
  outcomes: { ok: number; unknown: number; failed: number };
  /** Fault bars by kind. */
  faults: Record<string, number>;
  /** Terms of the leader marks, in drawing (time) order, sorted ascending for comparison. */
  leaderTerms: number[];
  lanes: string[];
}

export function countTimelineElements(html: string): TimelineCounts {
  const outcomes = { ok: 0, unknown: 0, failed: 0 };
  let ops = 0;
  for (const m of html.matchAll(/<rect class="op (ok|unknown|failed)"/g)) {
    ops++;
    outcomes[m[1] as keyof typeof outcomes]++;
  }
  let buckets = 0;
  let bucketOps = 0;
  for (const m of html.matchAll(/<rect class="bucket \w+" data-ok="(\d+)" data-unknown="(\d+)" data-failed="(\d+)"/g)) {
    buckets++;
    const [ok, unknown, failed] = [Number(m[1]), Number(m[2]), Number(m[3])];
    outcomes.ok += ok;
    outcomes.unknown += unknown;
    outcomes.failed += failed;
    bucketOps += ok + unknown + failed;
  }
  const faults: Record<string, number> = {};
  for (const m of html.matchAll(/<g class="fault" data-fault="(\w+)"/g)) faults[m[1]] = (faults[m[1]] ?? 0) + 1;
  const leaderTerms = [...html.matchAll(/<g class="leader-mark" data-term="(\d+)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const svg = /<svg [^>]*data-ops="(\d+)"[^>]*data-mode="(\w+)"/.exec(html);
  return {
    svgs: (html.match(/<svg /g) ?? []).length,
    mode: svg?.[2] ?? '',
    declaredOps: Number(svg?.[1] ?? NaN),
    ops,
    buckets,
    bucketOps,
    outcomes,
    faults,
    leaderTerms,
    lanes: [...html.matchAll(/>client ([^<]+)<\/text>/g)].map((m) => m[1]),
  };
}
