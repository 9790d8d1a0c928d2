// A small, fast, seedable PRNG (mulberry32). The consensus core and the simulator draw every random choice from one
// of these so that a run is reproducible bit for bit from its seed; Math.random is never used for that.

/** A seeded source of randomness: returns an integer in [0, n). */
export type RandomInt = (n: number) => number;

/** Returns n -> integer in [0, n), deterministic for a given seed on every platform (pure 32-bit integer math). */
export function seededRandom(seed: number): RandomInt {
  let state = seed >>> 0;
  const next32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return (n: number): number => {
    if (!(n > 0)) return 0;
    // 2^32 is far above any n used here, so the modulo bias is negligible; exactness matters less than determinism.
    return next32() % Math.floor(n);
  };
}

/** A float in [0, 1) drawn from the same deterministic source. */
export function seededFloat(rnd: RandomInt): () => number {
  return () => rnd(0x100000000) / 0x100000000;
}
