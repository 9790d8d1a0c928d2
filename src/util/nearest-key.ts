// "Did you mean ...?" for misspelt configuration keys: the known key nearest by edit distance, if near enough.

/** Levenshtein distance, bounded by the short strings it is used on (config keys). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The known key closest to `key` (case-insensitive), if it is close enough to be the likely intent. */
export function nearestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  // A key missing its unit suffix ("electionTimeout") is 2 edits away; half the length keeps unrelated words out.
  return best !== null && bestD <= Math.max(2, Math.floor(key.length / 2)) ? best : null;
}
