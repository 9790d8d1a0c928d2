// What simulated clients and simulated nodes say to each other: the addEntry/setVal/getVal calls and their answers.
import type { NodeId } from '../raft/types.js';

export type ClientRequest =
  | { client: number; attempt: number; kind: 'add' | 'set'; tid: string; data: string; key: string }
  | { client: number; attempt: number; kind: 'get'; key: string };

export interface ClientResponse {
  client: number;
  attempt: number;
  /** Writes: committed and applied with this tid. Reads: `value` is a linearizable read. */
  ok: boolean;
  value?: string;
  /** On a refusal: whom the node believes leads, so the client can go there next. */
  leader: NodeId | null;
}
