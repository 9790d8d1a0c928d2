// Peer authentication: every call a member makes to another member carries an HMAC-SHA256 over (sender, receiver,
// timestamp, nonce, method, body bytes) in one HTTP header, keyed with the key those two members share (pairwise keys:
// a member holds only the keys it shares with each peer, so it cannot produce a MAC in another member's name for a
// third one). The receiver checks the MAC, a freshness window on the timestamp and the nonce (ReplayGuard).
// Its answer carries a MAC too (ANSWER_AUTH_HEADER), keyed the same and bound to the request's MAC: peers may talk
// plain HTTP (no TLS), so a vote granted or an append acknowledged must be proven to come from the member asked, for
// this very request (a recorded answer replayed for a later request carries the wrong binding and is refused).
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ReplayGuard } from './replay-guard.js';

export const PEER_AUTH_HEADER = 'x-raft-peer-auth';
export const ANSWER_AUTH_HEADER = 'x-raft-peer-answer-auth';
const SCHEME = 'raft-hmac-sha256-v1';
/** A different label for answers: a request's MAC can never pass for an answer's, nor the reverse. */
const ANSWER_SCHEME = 'raft-hmac-sha256-v1-answer';
/** Requests whose timestamp is further than this from the receiver's clock are refused. */
export const FRESHNESS_MS = 30_000;

/**
 * Each key as a KeyObject, made once: createHmac with a raw Buffer imports the key on every call, a third of the cost
 * of a MAC over a small append (measured: 5.8 µs vs 4.1 µs for a 1.5 KB body).
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();
function keyObject(key: Buffer): KeyObject {
  let k = keyObjects.get(key);
  if (k === undefined) {
    k = createSecretKey(key);
    keyObjects.set(key, k);
  }
  return k;
}

function mac(key: Buffer, sender: string, receiver: string, ts: string, nonce: string, method: string, body: Buffer | string): Buffer {
  // Newline-separated fields: none of them can hold a newline (ids are HOST:PORT, the rest are digits and hex),
  // and the body comes last, so the encoding is unambiguous.
  const h = createHmac('sha256', keyObject(key)).update(`${SCHEME}\n${sender}\n${receiver}\n${ts}\n${nonce}\n${method}\n`, 'utf8');
  if (typeof body === 'string') h.update(body, 'utf8');
  else h.update(body);
  return h.digest();
}

/** The MAC of `responder`'s answer `body` to the request whose MAC header value was `requestHeader`. */
function answerMac(key: Buffer, responder: string, requester: string, requestHeader: string, body: Buffer | string): Buffer {
  // The request header holds the sender, timestamp, nonce and request MAC (which covers the method and body), all
  // without newlines: binding to it binds the answer to exactly one request.
  const h = createHmac('sha256', keyObject(key)).update(`${ANSWER_SCHEME}\n${responder}\n${requester}\n${requestHeader}\n`, 'utf8');
  if (typeof body === 'string') h.update(body, 'utf8');
  else h.update(body);
  return h.digest();
}

/** What a verified request needs for its answer to be sealed: the key that proved it and its header. */
export interface PeerRequestProof {
  sender: string;
  key: Buffer;
  header: string;
}

/** The header that proves an answer to a verified request came from this member (`self`). */
export function sealAnswer(self: string, proof: PeerRequestProof, body: string): Record<string, string> {
  return { [ANSWER_AUTH_HEADER]: answerMac(proof.key, self, proof.sender, proof.header, body).toString('hex') };
}

/** Signs this member's outgoing calls. One per process: its counters are what makes each nonce unique. */
export class PeerSigner {
  private readonly bootId = randomBytes(8).toString('hex');
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly self: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The header for one call to `receiver`; throws if we share no key with it (a configuration error). */
  headers(receiver: string, method: string, body: Buffer): Record<string, string> {
    const key = this.keys.get(receiver);
    if (key === undefined) throw new Error(`no peer key shared with ${receiver}`);
    const counter = (this.counters.get(receiver) ?? 0) + 1;
    this.counters.set(receiver, counter);
    const ts = String(this.now());
    const nonce = `${this.bootId}.${counter}`;
    const m = mac(key, this.self, receiver, ts, nonce, method, body).toString('hex');
    return { [PEER_AUTH_HEADER]: `${SCHEME} ${this.self} ${ts} ${nonce} ${m}` };
  }

  /**
   * Why the answer from `receiver` to a call sent with `sent` headers is not proven to be its answer to that call, or
   * null when it is. `given` is the answer's ANSWER_AUTH_HEADER, `body` its exact bytes.
   */
  checkAnswer(receiver: string, sent: Record<string, string>, given: string | undefined, body: Buffer): string | null {
    const key = this.keys.get(receiver);
    const header = sent[PEER_AUTH_HEADER];
    if (key === undefined || header === undefined) return 'the call was not signed';
    if (given === undefined) return 'the answer carries no peer MAC';
    if (!/^[0-9a-f]{64}$/.test(given)) return 'malformed answer MAC';
    if (!timingSafeEqual(answerMac(key, receiver, this.self, header, body), Buffer.from(given, 'hex'))) return 'bad answer MAC';
    return null;
  }
}

export type PeerCheck = { ok: true; sender: string; proof: PeerRequestProof } | { ok: false; why: string; claimed?: string };

/** Checks incoming calls against this member's keys; remembers nonces. */
export class PeerVerifier {
  private readonly guard = new ReplayGuard(4 * FRESHNESS_MS);

  constructor(
    private readonly self: string,
    /** Per peer, every key accepted from it (more than one only during a rotation). */
    private readonly keys: ReadonlyMap<string, readonly Buffer[]>,
    private readonly now: () => number = Date.now,
  ) {}

  /** `body` as bytes, or as the UTF-8 text the server decoded them to (hashed as UTF-8: the same bytes for valid text). */
  verify(header: string | undefined, method: string, body: Buffer | string): PeerCheck {
    if (header === undefined) return { ok: false, why: 'no peer authentication header' };
    if (header.length > 512) return { ok: false, why: 'peer authentication header too long' };
    const parts = header.split(' ');
    if (parts.length !== 5 || parts[0] !== SCHEME) return { ok: false, why: 'malformed peer authentication header' };
    const [, sender, ts, nonce, given] = parts;
    const keys = this.keys.get(sender);
    if (keys === undefined) return { ok: false, why: `sender ${sender} is not a member this node shares a key with`, claimed: sender };
    if (!/^\d{1,15}$/.test(ts) || !/^[0-9a-f]{64}$/.test(given)) return { ok: false, why: 'malformed peer authentication header', claimed: sender };
    const givenMac = Buffer.from(given, 'hex');
    const key = keys.find((k) => timingSafeEqual(mac(k, sender, this.self, ts, nonce, method, body), givenMac));
    if (key === undefined) return { ok: false, why: 'bad MAC', claimed: sender };
    const now = this.now();
    const skew = Number(ts) - now;
    if (Math.abs(skew) > FRESHNESS_MS) {
      return { ok: false, why: `timestamp ${Math.round(skew / 1000)} s off this node's clock (limit ${FRESHNESS_MS / 1000} s)`, claimed: sender };
    }
    const replay = this.guard.check(sender, nonce, now);
    if (replay !== null) return { ok: false, why: replay, claimed: sender };
    // The answer is sealed with the key that proved the request: the one the caller signed with, during a rotation too.
    return { ok: true, sender, proof: { sender, key, header } };
  }
}
