// Outgoing Raft messages: one independent pipeline per peer, each with its own keep-alive RpcClient. A message is
// sent the moment the Ready loop hands it over, never waiting for any other peer's reply, so a dead or slow peer
// delays nobody. Several appendEntriesRPC may be in flight to one peer (the core's flow control bounds how many carry
// entries); a hard cap per peer keeps a hung peer from accumulating calls. Every call has a timeout; a failed call is
// reported to the core (reportUnreachable) so it stops pipelining to that peer and probes instead.
import { RpcClient, type RpcClientOptions } from '../rpc/client.js';
import { decodeAppendResponse, decodeVoteResponse, encodeAppendRequest, encodeTimeoutNow, encodeVoteRequest } from '../rpc/codec.js';
import type { AppendRequest, Message, NodeId, TimeoutNow, VoteRequest } from '../raft/types.js';
import type { Logger } from '../util/logger.js';
import { splitHostPort } from '../util/host-port.js';
import type { PeerSender, TransportEvents } from './runtime.js';

export interface PeerTransportOptions {
  self: NodeId;
  peers: NodeId[];
  /** Per-call bound for appendEntriesRPC (vote requests use voteTimeoutMs). */
  appendTimeoutMs: number;
  voteTimeoutMs: number;
  /** Calls in flight to one peer beyond which new messages to it are dropped (and the peer reported unreachable). */
  maxInflightPerPeer: number;
  logger: Logger;
  /** Signing and TLS for the calls to one peer (timeoutMs is set here). */
  clientOptions?: (peer: NodeId) => RpcClientOptions;
  /** A decoded reply, to be stepped into the core. */
  onResponse: (m: Message) => void;
  /** The call failed (timeout, refused, fault, garbled reply). */
  onUnreachable: (peer: NodeId) => void;
}

/** One peer's pipeline: its connection pool and what is in flight on it. */
class PeerPipeline {
  inflight = 0;
  /** For logging only the transitions between reachable and unreachable, not every failed heartbeat. */
  reachable = true;
  /** Until a peer answered once, failures are startup noise (it may simply not be up yet): logged at debug only. */
  everReached = false;
  readonly client: RpcClient;

  constructor(readonly peer: NodeId, timeoutMs: number, clientOptions: RpcClientOptions = {}) {
    const { host, port } = splitHostPort(peer, 'peer');
    this.client = new RpcClient(host, port, { ...clientOptions, timeoutMs });
  }
}

export class PeerTransport implements PeerSender {
  private readonly pipelines = new Map<NodeId, PeerPipeline>();
  private closed = false;

  constructor(private readonly opts: PeerTransportOptions) {
    for (const p of opts.peers) {
      if (p !== opts.self) this.pipelines.set(p, new PeerPipeline(p, opts.appendTimeoutMs, opts.clientOptions?.(p)));
    }
  }

  /** Sends a request message (vote or append); responses are routed by the runtime, not through here. */
  send(m: VoteRequest | AppendRequest | TimeoutNow): void {
    const pipe = this.pipelines.get(m.to);
    if (pipe === undefined || this.closed) return;
    if (m.type === 'timeoutNow') {
      // One way: nothing to step on success; a failure only means the transfer times out in the core.
      pipe.client.call('timeoutNowRPC', encodeTimeoutNow(m), this.opts.voteTimeoutMs).catch((err: unknown) => {
        this.opts.logger.warn(`timeoutNowRPC to ${m.to} failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      return;
    }
    if (pipe.inflight >= this.opts.maxInflightPerPeer) {
      // The peer is not answering fast enough to drain what we already sent; more calls would only pile up.
      this.opts.onUnreachable(m.to);
      return;
    }
    pipe.inflight++;
    const reply = m.type === 'vote' ? this.callVote(pipe, m) : this.callAppend(pipe, m);
    reply
      .then((resp) => {
        this.markReachable(pipe, true, '');
        pipe.everReached = true;
        if (!this.closed) this.opts.onResponse(resp);
      })
      .catch((err: unknown) => {
        this.markReachable(pipe, false, err instanceof Error ? err.message : String(err));
        if (!this.closed) this.opts.onUnreachable(m.to);
      })
      .finally(() => {
        pipe.inflight--;
      });
  }

  close(): void {
    this.closed = true;
    for (const pipe of this.pipelines.values()) pipe.client.close();
  }

  private async callVote(pipe: PeerPipeline, m: VoteRequest): Promise<Message> {
    const v = await pipe.client.call('requestVotesRPC', encodeVoteRequest(m), this.opts.voteTimeoutMs);
    return decodeVoteResponse(v, m.to, m.from, m.preVote);
  }

  private async callAppend(pipe: PeerPipeline, m: AppendRequest): Promise<Message> {
    const v = await pipe.client.call('appendEntriesRPC', encodeAppendRequest(m), this.opts.appendTimeoutMs);
    return decodeAppendResponse(v, m.to, m.from);
  }

  private markReachable(pipe: PeerPipeline, ok: boolean, why: string): void {
    if (ok === pipe.reachable) return;
    pipe.reachable = ok;
    if (ok) {
      if (pipe.everReached) this.opts.logger.info(`peer ${pipe.peer} reachable again`);
      pipe.everReached = true;
    } else if (!this.closed) {
      if (pipe.everReached) this.opts.logger.warn(`peer ${pipe.peer} unreachable: ${why}`);
      else this.opts.logger.debug(`peer ${pipe.peer} not reachable yet: ${why}`);
    }
  }
}

/**
 * The node program's transport port for NodeRuntime: XML-RPC calls with bounds derived from the timing. A healthy peer
 * answers within a few ms; a call still open after the longest election timeout is lost.
 */
export function xmlRpcTransport(o: {
  self: NodeId;
  peers: NodeId[];
  tickMs: number;
  maxElectionMs: number;
  maxInflightAppends: number;
  logger: Logger;
  clientOptions?: (peer: NodeId) => RpcClientOptions;
}): (events: TransportEvents) => PeerSender {
  return (events) =>
    new PeerTransport({
      self: o.self,
      peers: o.peers,
      appendTimeoutMs: o.maxElectionMs,
      voteTimeoutMs: Math.max(o.tickMs, Math.floor(o.maxElectionMs / 2)),
      maxInflightPerPeer: o.maxInflightAppends * 4 + 8,
      logger: o.logger,
      clientOptions: o.clientOptions,
      onResponse: (m) => events.onResponse(m),
      onUnreachable: (peer) => events.onUnreachable(peer),
    });
}
