// Every XML-RPC fault code a node sends, in one table: the node, the rpc layer and the security layer throw these,
// and the client library decides from them whether to give up, wait or look for another leader
// (src/client/fault-policy.ts). A code that is not here is a bug on the sending side.

export const FAULT = {
  // The "specification for fault code interoperability" numbers, as any XML-RPC library understands them.
  /** The body is not well-formed XML-RPC. */
  parseError: -32700,
  /** Well-formed XML but not a valid call (method name, structure). */
  invalidRequest: -32600,
  unknownMethod: -32601,
  /** Wrong arity, type or value of a parameter; also a tid already used for other content. */
  badParams: -32602,
  /** The node failed in a way the caller cannot fix (storage, a bug). */
  internal: -32603,

  // Ours, numbered after the HTTP statuses that mean the same.
  /** No credential, or a wrong one (src/security/authenticator.ts). */
  unauthenticated: 401,
  /** A valid credential that may not make this call (a member calling in another member's name). */
  forbidden: 403,
  /** The call is understood but refused in the node's current state (campaign while a leader is healthy). */
  conflict: 409,
  /** Not the leader and could not reach one: ask another node. */
  notLeader: 421,
  /** Suspended, starting, stopping, overloaded or timed out: try again later (or elsewhere). */
  unavailable: 503,
} as const;

export type FaultName = keyof typeof FAULT;
export type FaultNumber = (typeof FAULT)[FaultName];

const BY_CODE: ReadonlyMap<number, FaultName> = new Map(Object.entries(FAULT).map(([name, code]) => [code, name as FaultName]));

/** The name of a code this protocol defines, or null for a code no node sends. */
export function faultName(code: number): FaultName | null {
  return BY_CODE.get(code) ?? null;
}
