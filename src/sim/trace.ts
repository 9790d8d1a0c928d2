// What happened in a run, kept two ways: a ring of the last events (formatted only when a violation is reported, so
// recording stays cheap) and a running hash of every event (two runs of one seed must produce the same hash).
import type { Message } from '../raft/types.js';

export type TraceKind =
  | 'send'
  | 'deliver'
  | 'drop'
  | 'dup'
  | 'role'
  | 'persist'
  | 'apply'
  | 'client'
  | 'fault'
  | 'note';

export interface TraceEvent {
  tick: number;
  kind: TraceKind;
  node: string;
  /** The message for send/deliver/drop/dup events. */
  msg?: Message;
  /** Free text for the other kinds. */
  text?: string;
}

export class Trace {
  private readonly ring: (TraceEvent | undefined)[];
  private next = 0;
  private count = 0;
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;

  /**
   * @param focus keep heartbeats (empty AppendEntries and their answers) out of the ring, for reports about client
   *   operations where they would crowd out what matters; the hash still covers every event.
   */
  constructor(
    private readonly capacity = 40,
    private readonly focus = false,
  ) {
    this.ring = new Array<TraceEvent | undefined>(capacity);
  }

  record(ev: TraceEvent): void {
    if (!this.focus || !isHeartbeat(ev.msg)) {
      this.ring[this.next] = ev;
      this.next = (this.next + 1) % this.capacity;
    }
    this.count++;
    this.mix(ev.tick);
    this.mixString(ev.kind);
    this.mixString(ev.node);
    if (ev.msg) this.mixMessage(ev.msg);
    if (ev.text) this.mixString(ev.text);
  }

  events(): number {
    return this.count;
  }

  /** The last events, oldest first. */
  last(): TraceEvent[] {
    const out: TraceEvent[] = [];
    for (let k = 0; k < this.capacity; k++) {
      const ev = this.ring[(this.next + k) % this.capacity];
      if (ev) out.push(ev);
    }
    return out;
  }

  /** A hex digest of every event recorded so far. */
  hash(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }

  private mix(n: number): void {
    this.h1 = Math.imul(this.h1 ^ (n | 0), 0x01000193);
    this.h2 = Math.imul(this.h2 ^ ((n / 4294967296) | 0) ^ (n | 0), 0x5bd1e995) ^ (this.h1 >>> 13);
  }

  private mixString(s: string): void {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    this.mix(s.length);
  }

  private mixMessage(m: Message): void {
    this.mixString(m.type);
    this.mixString(m.from);
    this.mixString(m.to);
    this.mix(m.term);
    switch (m.type) {
      case 'append':
        this.mix(m.prevLogIndex);
        this.mix(m.prevLogTerm);
        this.mix(m.entries.length);
        this.mix(m.leaderCommit);
        this.mix(m.seq);
        break;
      case 'appendResp':
        this.mix(m.success ? 1 : 0);
        this.mix(m.matchIndex);
        this.mix(m.conflictIndex);
        this.mix(m.seq);
        break;
      case 'vote':
        this.mix(m.preVote ? 1 : 0);
        this.mix(m.lastLogIndex);
        this.mix(m.lastLogTerm);
        break;
      case 'voteResp':
        this.mix(m.preVote ? 1 : 0);
        this.mix(m.granted ? 1 : 0);
        break;
    }
  }
}

/** One readable line per event, e.g. `t=120 deliver n2 append n1->n2 t3 prev=4/3 [5/3 add c1-7] commit=4 seq=9`. */
export function formatEvent(ev: TraceEvent): string {
  const body = ev.msg ? formatMessage(ev.msg) : (ev.text ?? '');
  return `t=${ev.tick} ${ev.kind.padEnd(7)} ${ev.node.padEnd(4)} ${body}`;
}

export function formatMessage(m: Message): string {
  const head = `${m.type} ${m.from}->${m.to} t${m.term}`;
  switch (m.type) {
    case 'append': {
      const ents = m.entries.map((e) => `${e.index}/${e.term}${e.tid ? ' ' + e.tid : ''}`);
      const shown = ents.length > 4 ? [...ents.slice(0, 2), `...${ents.length - 3} more...`, ents[ents.length - 1]] : ents;
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} [${shown.join(', ')}] commit=${m.leaderCommit} seq=${m.seq}`;
    }
    case 'appendResp':
      return `${head} ${m.success ? 'ok' : 'reject'} match=${m.matchIndex} conflict=${m.conflictIndex}/${m.conflictTerm} last=${m.lastLogIndex} seq=${m.seq}`;
    case 'vote':
      return `${head}${m.preVote ? ' pre' : ''} last=${m.lastLogIndex}/${m.lastLogTerm}`;
    case 'voteResp':
      return `${head}${m.preVote ? ' pre' : ''} ${m.granted ? 'granted' : 'denied'}`;
    case 'timeoutNow':
      return head;
  }
}

function isHeartbeat(m: Message | undefined): boolean {
  if (m === undefined) return false;
  if (m.type === 'append') return m.entries.length === 0;
  return m.type === 'appendResp' && m.success;
}
