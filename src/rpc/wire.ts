// XML-RPC message bodies: what the server and client put on and take off the wire. Serialization and parsing go
// through the `xmlrpc` package (see xmlrpc-package.ts); faster paths, if any, plug in here and nowhere else.
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

export function encodeCall(method: string, params: XmlRpcValue[]): string {
  return packageSerializer.serializeMethodCall(method, params);
}

export function encodeResponse(value: XmlRpcValue): string {
  return packageSerializer.serializeMethodResponse(value);
}

export function encodeFault(code: number, message: string): string {
  return packageSerializer.serializeFault({ faultCode: code, faultString: message });
}

/** Rejects with MalformedXmlRpcError when the body is not a well-formed method call. */
export function decodeCall(body: string): Promise<DecodedCall> {
  return packageDecodeCall(body);
}

/** Rejects with MalformedXmlRpcError when the body is not a well-formed method response. */
export function decodeResponse(body: string): Promise<DecodedResponse> {
  return packageDecodeResponse(body);
}
