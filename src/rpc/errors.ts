// What can go wrong with one XML-RPC call, as the caller needs to tell it apart: the server said no (fault), the
// server could not be reached or hung up (connection), no answer in time (timeout), or it answered garbage (protocol).

export class RpcError extends Error {
  constructor(
    message: string,
    /** "host:port" of the server the call went to. */
    readonly target: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server answered with an XML-RPC fault. */
export class RpcFaultError extends RpcError {
  constructor(
    readonly code: number,
    readonly faultString: string,
    target: string,
  ) {
    super(`fault ${code} from ${target}: ${faultString}`, target);
  }
}

/** Refused, reset, or closed without an answer (a suspended node looks like this). */
export class RpcConnectionError extends RpcError {}

/** No complete answer within the call's timeout (a hung or paused peer, or an overloaded one). */
export class RpcTimeoutError extends RpcError {}

/** An answer that is not a well-formed XML-RPC response (non-200 status, not XML-RPC, too large). */
export class RpcProtocolError extends RpcError {}
