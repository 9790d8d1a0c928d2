// system.multicall, the XML-RPC extension most libraries speak (Python's xmlrpc.client.MultiCall, the npm `xmlrpc`
// package's users by hand): one request carrying many calls, answered by one array. Here it is what lets a client with
// many writes in flight send them in one HTTP request: the node pays one read, one parse, one answer and one write
// syscall for the lot instead of one each (at 32 in flight those per-request costs were most of a leader's CPU per
// write: README, "Benchmark"). Only the calls a node allows inside (client reads and writes) may travel this way:
// peer calls carry a MAC over their own body and admin calls their own credential, neither of which a batch can
// prove, so they are refused inside one.
import { FaultCode, RpcFault, isStruct, typeName, type XmlRpcStruct, type XmlRpcValue } from './values.js';

export const MULTICALL = 'system.multicall';
/** Calls per system.multicall: what a node serves and what the client library sends at most. */
export const MAX_BATCH_CALLS = 256;

/** One call a batch carries, or why the entry is not one (answered as that entry's fault, the others still served). */
export type BatchEntry = { method: string; params: XmlRpcValue[] } | { fault: RpcFault };

/**
 * The calls of a system.multicall's parameters: exactly one array of at most `maxCalls` structs, each
 * {methodName: string, params: array} naming a method in `allowed`. A wrong envelope refuses the whole request; a
 * wrong entry only itself.
 */
export function parseMulticall(params: XmlRpcValue[], allowed: ReadonlySet<string>, maxCalls: number): BatchEntry[] {
  const calls = params[0];
  if (params.length !== 1 || !Array.isArray(calls)) {
    throw new RpcFault(FaultCode.invalidParams, `${MULTICALL} takes one parameter, an array of {methodName, params} structs (got ${params.length} parameter(s), the first ${typeName(calls)})`);
  }
  if (calls.length > maxCalls) throw new RpcFault(FaultCode.invalidParams, `${MULTICALL}: ${calls.length} calls in one request, at most ${maxCalls}`);
  return calls.map((c, i): BatchEntry => {
    const where = `${MULTICALL} call ${i + 1}`;
    if (!isStruct(c)) return { fault: new RpcFault(FaultCode.invalidParams, `${where} must be a {methodName, params} struct, got ${typeName(c)}`) };
    const method = c.methodName;
    const args = c.params;
    if (typeof method !== 'string') return { fault: new RpcFault(FaultCode.invalidParams, `${where}: methodName must be a string, got ${typeName(method)}`) };
    if (!allowed.has(method)) {
      return { fault: new RpcFault(FaultCode.invalidRequest, `${where}: ${JSON.stringify(method.slice(0, 60))} cannot be batched (only ${[...allowed].join(', ')})`) };
    }
    if (!Array.isArray(args)) return { fault: new RpcFault(FaultCode.invalidParams, `${where}: params must be an array, got ${typeName(args)}`) };
    return { method, params: args };
  });
}

/** A batch entry's answer as the extension defines it: the value in a one-element array, or a fault struct. */
export function multicallValue(value: XmlRpcValue): XmlRpcValue {
  return [value];
}

export function multicallFault(code: number, message: string): XmlRpcStruct {
  return { faultCode: code, faultString: message };
}

/** One answer of a system.multicall response: the value, or the fault it carries (as the caller's library would raise). */
export type BatchAnswer = { value: XmlRpcValue } | { fault: { code: number; message: string } };

/** Reads a system.multicall answer for `count` calls; throws (a protocol error for the caller) when it is not one. */
export function readMulticallAnswer(answer: XmlRpcValue, count: number): BatchAnswer[] {
  if (!Array.isArray(answer) || answer.length !== count) {
    throw new Error(`${MULTICALL} answered ${Array.isArray(answer) ? `${answer.length} results` : typeName(answer)} for ${count} calls`);
  }
  return answer.map((a, i): BatchAnswer => {
    if (Array.isArray(a) && a.length === 1) return { value: a[0] };
    if (isStruct(a) && typeof a.faultCode === 'number' && typeof a.faultString === 'string') return { fault: { code: a.faultCode, message: a.faultString } };
    throw new Error(`${MULTICALL} result ${i + 1} is neither [value] nor a fault struct`);
  });
}
