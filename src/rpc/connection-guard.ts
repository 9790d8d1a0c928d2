// Overload without collapse (issue 11): ~300 idle TCP connections once used up a leader's file descriptors, so it
// stopped answering clients (and followers forwarding for them) while still leading. The guard caps open connections
// below the process's descriptor limit, keeping room for the node's own outgoing connections and files. When the cap
// is reached a new connection is let in by closing the longest-idle connection that is not a peer's; a peer's
// connection is never closed for a client's. Calls from clients in flight are capped too; peer calls never are, so a
// client flood cannot stop a leader from answering its followers and candidates. And when the event loop runs late
// (the node's timers, heartbeats among them, fire late), client calls are held back before they are parsed, so a
// client flooding in a closed loop slows down with them, while peer calls go straight through.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Logger } from '../util/logger.js';

export interface ConnectionGuardOptions {
  /** Open connections allowed (0 = derive from the descriptor limit: half of it, 32..4096). */
  maxConnections: number;
  /** Client (non-peer) calls being served at once; more get an "overloaded" fault at once. */
  maxClientCallsInFlight: number;
  /**
   * Event-loop lateness that counts as short of CPU (default 50 ms). The node sets it to half the slack between its
   * heartbeat interval and the shortest election timeout, the lateness at which followers would start to doubt it.
   */
  lagLimitMs?: number;
  logger: Logger;
}

interface ConnState {
  peer: boolean;
  busy: number;
  idleSince: number;
  remote: string;
}

/** Warnings about overload are at most this often, with counts of what happened meanwhile. */
const LOG_EVERY_MS = 5000;
/** How often the event loop's lateness is sampled. */
const LAG_SAMPLE_MS = 20;
/** After a late sample, client calls are held back for this long... */
const HOLD_FOR_MS = 1000;
/** ...each by this much, so a client in a closed loop makes at most ten calls a second per connection meanwhile. */
const HOLD_CALL_MS = 100;

export class ConnectionGuard {
  readonly maxConnections: number;
  private readonly conns = new Map<Socket, ConnState>();
  private clientCalls = 0;
  private evicted = 0;
  private refused = 0;
  private shed = 0;
  private lastLog = 0;
  private held = 0;
  private worstLagMs = 0;
  private holdUntil = 0;
  private readonly lagTimer: NodeJS.Timeout;

  constructor(private readonly opts: ConnectionGuardOptions) {
    this.maxConnections = opts.maxConnections > 0 ? opts.maxConnections : defaultMaxConnections();
    let expected = Date.now() + LAG_SAMPLE_MS;
    this.lagTimer = setInterval(() => {
      const now = Date.now();
      const lag = now - expected;
      expected = now + LAG_SAMPLE_MS;
      if (lag > (opts.lagLimitMs ?? 50)) {
        this.holdUntil = now + HOLD_FOR_MS;
        this.worstLagMs = Math.max(this.worstLagMs, lag);
      }
    }, LAG_SAMPLE_MS);
    this.lagTimer.unref();
  }

  /** How long a client call should wait before it is parsed: 0 unless the event loop has been running late. */
  clientHoldMs(): number {
    if (Date.now() >= this.holdUntil) return 0;
    this.held++;
    this.note();
    return HOLD_CALL_MS;
  }

  close(): void {
    clearInterval(this.lagTimer);
  }

  /** A new connection: true to keep it (after closing an idle client connection if needed), false to close it. */
  admit(socket: Socket): boolean {
    if (this.conns.size >= this.maxConnections) {
      const victim = this.longestIdleClient();
      if (victim === undefined) {
        this.refused++;
        this.note();
        return false;
      }
      this.evicted++;
      this.conns.delete(victim);
      victim.destroy();
      this.note();
    }
    this.conns.set(socket, { peer: false, busy: 0, idleSince: Date.now(), remote: `${socket.remoteAddress}:${socket.remotePort}` });
    return true;
  }

  closed(socket: Socket): void {
    this.conns.delete(socket);
  }

  /** The connection carried a peer call: it is never closed to make room for clients. */
  markPeer(socket: Socket): void {
    const c = this.conns.get(socket);
    if (c !== undefined) c.peer = true;
  }

  /** A call starts on `socket`; false when it is a client call over the in-flight cap (answer "overloaded"). */
  callStarted(socket: Socket, peerCall: boolean): boolean {
    if (!peerCall && this.clientCalls >= this.opts.maxClientCallsInFlight) {
      this.shed++;
      this.note();
      return false;
    }
    if (!peerCall) this.clientCalls++;
    const c = this.conns.get(socket);
    if (c !== undefined) c.busy++;
    return true;
  }

  callEnded(socket: Socket, peerCall: boolean): void {
    if (!peerCall) this.clientCalls--;
    const c = this.conns.get(socket);
    if (c !== undefined && --c.busy === 0) c.idleSince = Date.now();
  }

  stats(): { open: number; clientCallsInFlight: number; evicted: number; refused: number; shed: number; held: number } {
    return { open: this.conns.size, clientCallsInFlight: this.clientCalls, evicted: this.evicted, refused: this.refused, shed: this.shed, held: this.held };
  }

  private longestIdleClient(): Socket | undefined {
    let best: Socket | undefined;
    let bestSince = Infinity;
    for (const [s, c] of this.conns) {
      if (!c.peer && c.busy === 0 && c.idleSince < bestSince) {
        best = s;
        bestSince = c.idleSince;
      }
    }
    return best;
  }

  private note(): void {
    const now = Date.now();
    if (now - this.lastLog < LOG_EVERY_MS) return;
    this.lastLog = now;
    const lag = this.worstLagMs;
    this.worstLagMs = 0;
    const peers = [...this.conns.values()].filter((c) => c.peer).length;
    this.opts.logger.warn(
      `overload: ${this.conns.size} connections open (cap ${this.maxConnections}, ${peers} from peers), ` +
        `${this.clientCalls} client calls in flight (cap ${this.opts.maxClientCallsInFlight}); event loop late by up to ` +
        `${lag} ms; so far ${this.evicted} idle client connections closed, ${this.refused} connections refused, ` +
        `${this.shed} calls answered "overloaded", ${this.held} client calls held back ${HOLD_CALL_MS} ms; ` +
        `peer traffic keeps priority`,
    );
  }
}

/** Half the soft limit on open files (the rest is for outgoing connections, storage and logs), within 32..4096. */
export function defaultMaxConnections(): number {
  let soft = 1024;
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null) soft = m[1] === 'unlimited' ? 65536 : Number(m[1]);
  } catch {
    // Not Linux: assume the common default.
  }
  return Math.max(32, Math.min(4096, Math.floor(soft / 2)));
}
