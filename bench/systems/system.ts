// A cluster under test, as the bench phases see it: where its clients connect, who leads, and (for clusters the bench
// started itself) how to kill and restart a member and find its process. Our cluster and etcd implement it.
import type { ClientKind, ClientSpec, SystemKind } from '../clients/kv-client.js';

export interface LeaderView {
  index: number;
  term: number;
}

export interface SystemUnderTest {
  kind: SystemKind;
  /** Shown in the report, e.g. "raft-xmlrpc (3 nodes)". */
  label: string;
  /** Client endpoints "host:port", in member order. */
  endpoints: string[];
  /** A client of the given kind (default: ours through our library, etcd through its JSON gateway). */
  clientSpec(maxSockets: number, client?: ClientKind): ClientSpec;
  /** False for endpoints we did not start: no kills, no RSS, no raftlog files. */
  controlsProcesses: boolean;
  /** Waits (bounded) for one member to lead with the others agreeing. */
  waitForLeader(timeoutMs: number): Promise<LeaderView>;
  /** The highest term any reachable member reports (elections move it), or null if none answers. */
  maxTerm(): Promise<number | null>;
  /** kill -9 of member i; resolves once the process is gone. */
  kill(index: number): Promise<void>;
  /** Starts member i again on its data; resolves once it serves. */
  restart(index: number): Promise<void>;
  /** Process id of every member (null while stopped). */
  pids(): (number | null)[];
  /** Waits (bounded) until every member has applied what the leader committed; false if that did not happen. */
  waitCaughtUp(timeoutMs: number): Promise<boolean>;
  /** Every member's raftlog file, or null when the system keeps none we can read. */
  raftlogPaths(): string[] | null;
  /** Stops every process it started and removes its folders. */
  stop(): Promise<void>;
}
