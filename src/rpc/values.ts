// The values that travel over XML-RPC, and the fault a handler throws to answer with an XML-RPC <fault>.
// Kept apart from the server and the client so the Raft codec can use them without pulling in any I/O.
import { FAULT } from '../protocol/faults.js';

/**
 * A plain XML-RPC value: string, int or double (number), boolean, dateTime.iso8601 (Date), base64 (Buffer),
 * array and struct. <nil/> is not part of the protocol's core and is refused on input.
 */
export type XmlRpcValue = string | number | boolean | Date | Buffer | XmlRpcValue[] | XmlRpcStruct;
export interface XmlRpcStruct {
  [member: string]: XmlRpcValue;
}

/**
 * Fault codes used by this layer (the de-facto "specification for fault code interoperability" numbers), under the
 * names this layer has always used; the numbers are defined once, with every other code a node sends, in
 * src/protocol/faults.ts.
 */
export const FaultCode = {
  parseError: FAULT.parseError,
  invalidRequest: FAULT.invalidRequest,
  unknownMethod: FAULT.unknownMethod,
  invalidParams: FAULT.badParams,
  internalError: FAULT.internal,
} as const;

/** Thrown by a handler (or the codec) to answer with an XML-RPC fault carrying this code and message. */
export class RpcFault extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcFault';
  }
}

/** A struct, as opposed to the other object-shaped values (array, Date, Buffer). */
export function isStruct(v: XmlRpcValue | undefined): v is XmlRpcStruct {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v);
}

/** Names the XML-RPC type of a value, for error messages ("must be int, got string"). */
export function typeName(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'nil';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v;
  if (v instanceof Date) return 'dateTime';
  if (Buffer.isBuffer(v)) return 'base64';
  if (Array.isArray(v)) return 'array';
  return 'struct';
}
