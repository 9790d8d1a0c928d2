// Polls every node with one call in flight per node at a time (never piling up), turns the answers into NodeViews, and
// tells listeners what changed: node views, role history for the timeline, and events (elections, leader changes,
// nodes going down or coming back). The browser never talks to the nodes; it hears about this over SSE.
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcConnectionError, RpcTimeoutError } from '../rpc/errors.js';
import type { NodeCaller } from './node-calls.js';
import { downView, parseStatus, parseTail, type NodeView } from './node-view.js';

export const TAIL_LENGTH = 40;
/** Between the end of one status poll and the start of the next: <= 10 polls/s per node. */
export const POLL_MS = 100;
/** An unreachable node is asked less often. */
const DOWN_POLL_MS = 400;
const CALL_TIMEOUT_MS = 800;
const MAX_HISTORY = 4000;
const MAX_EVENTS = 300;

export interface RoleSample {
  t: number;
  id: string;
  role: string;
  term: number;
}

export interface ClusterEvent {
  t: number;
  kind: 'leader' | 'election' | 'down' | 'up' | 'control' | 'op' | 'error';
  node: string;
  text: string;
}

export interface WatcherListener {
  node(view: NodeView): void;
  event(ev: ClusterEvent): void;
  sample(s: RoleSample): void;
}

/** The parts of a view whose change is worth a push (leaderContactMs is coarsened: it changes at every poll). */
function signature(v: NodeView): string {
  const contact = v.leaderContactMs < 0 ? -1 : v.leaderContactMs < 200 ? 0 : Math.floor(Math.log2(v.leaderContactMs / 100));
  const { leaderContactMs: _c, isolatedMs: iso, suspendedMs: sus, tail, ...rest } = v;
  return JSON.stringify([rest, contact, Math.ceil(iso / 1000), Math.ceil(sus / 1000), tail.map((e) => [e.index, e.term, e.committed])]);
}

export class ClusterWatcher {
  readonly views = new Map<string, NodeView>();
  readonly history: RoleSample[] = [];
  readonly events: ClusterEvent[] = [];
  private readonly listeners = new Set<WatcherListener>();
  private readonly sigs = new Map<string, string>();
  /** Suspensions the dashboard asked for: node id -> until (ms epoch). A suspended node answers nothing. */
  private readonly suspendedUntil = new Map<string, number>();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private lastLeader = '';
  private lastTerm = 0;

  constructor(
    readonly nodes: string[],
    private readonly caller: NodeCaller,
    /** False when the dashboard owns the process and it is not running (shown down at once, not after a timeout). */
    private readonly isRunning: (id: string) => boolean = () => true,
  ) {
    for (const id of nodes) this.views.set(id, downView(id, 'not polled yet', null, true));
  }

  start(): void {
    for (const id of this.nodes) this.loops.push(this.pollLoop(id));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  subscribe(l: WatcherListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  noteSuspended(id: string, seconds: number): void {
    this.suspendedUntil.set(id, Date.now() + seconds * 1000);
  }

  emitEvent(kind: ClusterEvent['kind'], node: string, text: string): void {
    const ev: ClusterEvent = { t: Date.now(), kind, node, text };
    this.events.push(ev);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    for (const l of this.listeners) l.event(ev);
  }

  private async pollLoop(id: string): Promise<void> {
    // Bounded by the stop flag; each round is bounded by the call timeouts.
    while (!this.stopped) {
      const view = await this.pollOnce(id);
      if (this.stopped) return;
      this.update(view);
      await sleep(view.role === 'down' ? DOWN_POLL_MS : POLL_MS);
    }
  }

  private async pollOnce(id: string): Promise<NodeView> {
    const prev = this.views.get(id) ?? null;
    const running = this.isRunning(id);
    const susUntil = this.suspendedUntil.get(id) ?? 0;
    const suspendedMs = Math.max(0, susUntil - Date.now());
    if (!running) return downView(id, 'process not running', prev, false);
    if (suspendedMs > 0) {
      // Asking would only time out: show the last known state, marked suspended.
      const base = prev !== null && prev.role !== 'down' ? prev : downView(id, '', prev, true);
      return { ...base, role: 'down', suspended: true, suspendedMs, leaderContactMs: -1, error: '' };
    }
    try {
      const st = parseStatus(id, await this.caller.call(id, 'status', [], CALL_TIMEOUT_MS));
      // The tail is fetched only when something it shows may have changed.
      let tail = prev?.tail ?? [];
      const moved = prev === null || prev.lastLogIndex !== st.lastLogIndex || prev.commitIndex !== st.commitIndex || prev.term !== st.term || prev.role === 'down';
      if (moved) tail = parseTail(await this.caller.call(id, 'logTail', [TAIL_LENGTH], CALL_TIMEOUT_MS));
      return { ...st, tail, running: true, suspendedMs: 0 };
    } catch (err) {
      const why =
        err instanceof RpcConnectionError ? 'not answering (connection refused or closed)'
        : err instanceof RpcTimeoutError ? `no answer within ${CALL_TIMEOUT_MS} ms`
        : err instanceof Error ? err.message.split('\n')[0].slice(0, 200) : String(err);
      return downView(id, why, prev, true);
    }
  }

  private update(view: NodeView): void {
    const prev = this.views.get(view.id);
    this.views.set(view.id, view);
    const sig = signature(view);
    if (this.sigs.get(view.id) === sig) return;
    this.sigs.set(view.id, sig);
    if (prev !== undefined) this.noteTransitions(prev, view);
    for (const l of this.listeners) l.node(view);
  }

  private noteTransitions(prev: NodeView, v: NodeView): void {
    if (prev.rawRole !== v.rawRole || prev.term !== v.term || prev.role !== v.role) {
      const s: RoleSample = { t: Date.now(), id: v.id, role: v.suspended ? 'suspended' : v.rawRole || 'down', term: v.term };
      this.history.push(s);
      if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
      for (const l of this.listeners) l.sample(s);
    }
    if (prev.role === 'down' && v.role !== 'down' && prev.error !== 'not polled yet') this.emitEvent('up', v.id, `${v.id} is back (${v.rawRole}, term ${v.term})`);
    if (prev.role !== 'down' && v.role === 'down') {
      this.emitEvent('down', v.id, v.suspended ? `${v.id} suspended` : `${v.id} down: ${v.error}`);
    }
    if (v.rawRole === 'candidate' && prev.rawRole !== 'candidate') this.emitEvent('election', v.id, `${v.id} campaigns for term ${v.term}`);
    if (v.role === 'leader' && (v.id !== this.lastLeader || v.term !== this.lastTerm)) {
      this.lastLeader = v.id;
      this.lastTerm = v.term;
      this.emitEvent('leader', v.id, `${v.id} leads term ${v.term}`);
    }
  }
}
