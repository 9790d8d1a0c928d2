// XML-RPC message bodies: what the server and client put on and take off the wire. The `xmlrpc` package defines the
// behaviour; fast-xml.ts handles the canonical messages nodes exchange more cheaply and hands everything else
// (including every malformed input, so error messages are the package's) to the package.
import { fastDecodeCall, fastDecodeResponse, fastEncodeCall, fastEncodeResponse } from './fast-xml.js';
import {
  packageDecodeCall,
  packageDecodeResponse,
  packageSerializer,
  type DecodedCall,
  type DecodedResponse,
} from './xmlrpc-package.js';
import type { XmlRpcValue } from './values.js';

export type { DecodedCall, DecodedResponse };
export { MalformedXmlRpcError } from './xmlrpc-package.js';

/** RPC_WIRE=package turns the fast path off (for comparisons and for ruling it out when debugging). */
const fastPath = process.env.RPC_WIRE !== 'package';

export function encodeCall(method: string, params: XmlRpcValue[]): string {
  return (fastPath ? fastEncodeCall(method, params) : undefined) ?? packageSerializer.serializeMethodCall(method, params);
}

export function encodeResponse(value: XmlRpcValue): string {
  return (fastPath ? fastEncodeResponse(value) : undefined) ?? packageSerializer.serializeMethodResponse(value);
}

export function encodeFault(code: number, message: string): string {
  return packageSerializer.serializeFault({ faultCode: code, faultString: message });
}

/** Rejects with MalformedXmlRpcError when the body is not a well-formed method call. */
export function decodeCall(body: string): Promise<DecodedCall> {
  const fast = fastPath ? fastDecodeCall(body) : undefined;
  return fast !== undefined ? Promise.resolve(fast) : packageDecodeCall(body);
}

/** Rejects with MalformedXmlRpcError when the body is not a well-formed method response. */
export function decodeResponse(body: string): Promise<DecodedResponse> {
  const fast = fastPath ? fastDecodeResponse(body) : undefined;
  return fast !== undefined ? Promise.resolve(fast) : packageDecodeResponse(body);
}
