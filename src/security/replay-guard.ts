// Refuses a peer request seen before. A sender's nonce is "<boot id>.<counter>": a random id drawn when its process
// starts and a counter per receiver. The receiver keeps, per sender and boot id, the highest counter and a bitmap of
// the WINDOW counters below it (the IPsec/DTLS anti-replay window): a counter is accepted once, and one older than
// the window is refused. Memory is bounded by the number of members and boot ids, not by the request rate, which a
// plain nonce cache over a 30 s freshness window would not be at tens of thousands of calls per second.
// Only requests whose MAC verified reach this guard, so only members can add state to it.

/** Counters this far below the highest seen are refused (calls in flight to one peer are far fewer). */
export const REPLAY_WINDOW = 4096;
/** Boot ids remembered per sender; a member restarting more often than this per retention period is refused. */
const MAX_BOOTS_PER_SENDER = 64;

interface BootWindow {
  max: number;
  /** Bit i set: counter max - i was seen. */
  seen: Uint32Array;
  lastUsedMs: number;
}

export class ReplayGuard {
  private readonly senders = new Map<string, Map<string, BootWindow>>();

  /** @param retentionMs how long a boot id is kept after its last request: at least twice the freshness window. */
  constructor(private readonly retentionMs: number) {}

  /** Records the nonce and returns null, or returns why it is refused (a replay, too old, malformed). */
  check(sender: string, nonce: string, nowMs: number): string | null {
    const m = /^([0-9a-f]{16})\.(\d{1,15})$/.exec(nonce);
    if (m === null) return 'malformed nonce';
    const boot = m[1];
    const counter = Number(m[2]);
    let boots = this.senders.get(sender);
    if (boots === undefined) this.senders.set(sender, (boots = new Map()));
    let w = boots.get(boot);
    if (w === undefined) {
      this.expire(boots, nowMs);
      if (boots.size >= MAX_BOOTS_PER_SENDER) return 'too many restarts of this sender';
      w = { max: -1, seen: new Uint32Array(REPLAY_WINDOW / 32), lastUsedMs: nowMs };
      boots.set(boot, w);
    }
    if (counter > w.max) {
      shift(w.seen, w.max < 0 ? REPLAY_WINDOW : counter - w.max);
      w.max = counter;
      w.seen[0] |= 1;
    } else {
      const age = w.max - counter;
      if (age >= REPLAY_WINDOW) return 'nonce older than the replay window';
      const word = age >>> 5;
      const bit = 1 << (age & 31);
      if ((w.seen[word] & bit) !== 0) return 'replayed request (nonce already seen)';
      w.seen[word] |= bit;
    }
    w.lastUsedMs = nowMs;
    return null;
  }

  private expire(boots: Map<string, BootWindow>, nowMs: number): void {
    for (const [id, w] of boots) if (nowMs - w.lastUsedMs > this.retentionMs) boots.delete(id);
  }
}

/** Shifts the bitmap towards higher ages by n bits (bit i moves to bit i+n); bits past the window drop off. */
function shift(bits: Uint32Array, n: number): void {
  if (n >= REPLAY_WINDOW) {
    bits.fill(0);
    return;
  }
  const words = n >>> 5;
  const rest = n & 31;
  for (let i = bits.length - 1; i >= 0; i--) {
    const src = i - words;
    const hi = src >= 0 ? bits[src] : 0;
    const lo = src - 1 >= 0 ? bits[src - 1] : 0;
    bits[i] = rest === 0 ? hi : ((hi << rest) | (lo >>> (32 - rest))) >>> 0;
  }
}
