// A fixed-size bitset over operation numbers: the "which operations are already linearized" half of the
// Wing-Gong search's memoization key. Copies are cheap (one Uint32Array per cached configuration).

export class Bitset {
  private constructor(private readonly words: Uint32Array) {}

  static ofSize(bits: number): Bitset {
    return new Bitset(new Uint32Array(Math.ceil(bits / 32) || 1));
  }

  clone(): Bitset {
    return new Bitset(this.words.slice());
  }

  set(i: number): this {
    this.words[i >>> 5] |= 1 << (i & 31);
    return this;
  }

  clear(i: number): this {
    this.words[i >>> 5] &= ~(1 << (i & 31));
    return this;
  }

  /** FNV-1a over the words: a bucket key for the memo table; equality still decides. */
  hash(): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < this.words.length; k++) {
      h = Math.imul(h ^ this.words[k], 0x01000193) >>> 0;
    }
    return h;
  }

  equals(other: Bitset): boolean {
    const a = this.words;
    const b = other.words;
    if (a.length !== b.length) return false;
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
    return true;
  }
}
