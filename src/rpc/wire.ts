// XML-RPC message bodies: what the server and client put on and take off the wire. The `xmlrpc` package defines the
// behaviour; fast-xml.ts handles the canonical messages nodes exchange more cheaply and hands everything else
// (including every malformed input, so error messages are the package's) to the package.
import { fastDecodeCall, fastDecodeResponse, fastEncodeCall, fastEncodeResponse } from './fast-xml.js';
import { xmlStructureProblem } from './xml-depth.js';
import {
  MAX_XML_DEPTH,
  MalformedXmlRpcError,
  packageDecodeCall,
  packageDecodeResponse,
  packageSerializer,
  type DecodedCall,
  type DecodedResponse,
} from './xmlrpc-package.js';
import type { XmlRpcValue } from './values.js';

export type { DecodedCall, DecodedResponse };
export { MalformedXmlRpcError };

/** RPC_WIRE=package turns the fast path off (for comparisons and for ruling it out when debugging). */
const fastPath = process.env.RPC_WIRE !== 'package';

/**
 * Largest document the package's sax parser is given. It costs ~0.35 ms per KB on this machine (2.4 s for 7 MB), time
 * in which the node's event loop does nothing else, not even heartbeats; 256 KiB holds that under ~90 ms. Canonical
 * documents (what our nodes, npm xmlrpc and Python's xmlrpc.client send) take the fast path at any size.
 */
export const PACKAGE_PATH_MAX_BYTES = 256 * 1024;

/** Hands a non-canonical document to the package only when it is small and shallow enough to parse quickly. */
function checkForPackage(body: string, what: string): void {
  if (body.length > PACKAGE_PATH_MAX_BYTES) {
    throw new MalformedXmlRpcError(
      `${what} over ${PACKAGE_PATH_MAX_BYTES} bytes must be plain XML-RPC (no comments, CDATA, DOCTYPE, nil, base64 or dateTime, UTF-8)`,
    );
  }
  const problem = xmlStructureProblem(body, MAX_XML_DEPTH);
  if (problem !== null) throw new MalformedXmlRpcError(`malformed ${what}: ${problem}`);
}

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
  if (fast !== undefined) return Promise.resolve(fast);
  try {
    checkForPackage(body, 'XML-RPC call');
  } catch (err) {
    return Promise.reject(err);
  }
  return packageDecodeCall(body);
}

/** Rejects with MalformedXmlRpcError when the body is not a well-formed method response. */
export function decodeResponse(body: string): Promise<DecodedResponse> {
  const fast = fastPath ? fastDecodeResponse(body) : undefined;
  if (fast !== undefined) return Promise.resolve(fast);
  // Answers come from the servers this process chose to call; only depth is checked (a fault or a big non-canonical
  // answer from a well-behaved server must still be read).
  const problem = xmlStructureProblem(body, MAX_XML_DEPTH);
  if (problem !== null) return Promise.reject(new MalformedXmlRpcError(`malformed XML-RPC response: ${problem}`));
  return packageDecodeResponse(body);
}
