// Typed access to the npm `xmlrpc` package's Serializer and Deserializer (its lib/ modules have no type
// declarations). The product speaks XML-RPC through this package; this file is the only place that knows its shape.
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import type { XmlRpcValue } from './values.js';

interface SerializerModule {
  serializeMethodCall(method: string, params: unknown[], encoding?: string): string;
  serializeMethodResponse(result: unknown): string;
  serializeFault(fault: { faultCode: number; faultString: string }): string;
}

interface DeserializerError extends Error {
  faultCode?: unknown;
  faultString?: unknown;
}

interface DeserializerInstance {
  responseType: string | null;
  deserializeMethodCall(
    stream: NodeJS.ReadableStream,
    cb: (err: DeserializerError | null | undefined, method?: string, params?: unknown[]) => void,
  ): void;
  deserializeMethodResponse(
    stream: NodeJS.ReadableStream,
    cb: (err: DeserializerError | null | undefined, value?: unknown) => void,
  ): void;
}

const require = createRequire(import.meta.url);
const serializer = require('xmlrpc/lib/serializer.js') as SerializerModule;
const Deserializer = require('xmlrpc/lib/deserializer.js') as new (encoding?: string) => DeserializerInstance;

export const packageSerializer = serializer;

/** A method call as the server sees it. */
export interface DecodedCall {
  method: string;
  params: XmlRpcValue[];
}

/** A method response as the client sees it: a value or a fault. */
export type DecodedResponse = { fault: false; value: XmlRpcValue } | { fault: true; code: number; message: string };

/** Thrown for input that is not a well-formed XML-RPC message; the message says what was wrong. */
export class MalformedXmlRpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedXmlRpcError';
  }
}

/**
 * The package represents <nil/> as null, which is outside XmlRpcValue; refusing it here keeps every value handed
 * to a handler inside the declared type. Returns a path to the first null found, or null when there is none.
 */
function findNil(v: unknown, path: string): string | null {
  if (v === null || v === undefined) return path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findNil(v[i], `${path}[${i}]`);
      if (p !== null) return p;
    }
  } else if (typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) {
    for (const [k, m] of Object.entries(v as Record<string, unknown>)) {
      const p = findNil(m, `${path}.${k}`);
      if (p !== null) return p;
    }
  }
  return null;
}

/** Parses a <methodCall> with the package's sax-based Deserializer. */
export function packageDecodeCall(body: string): Promise<DecodedCall> {
  return new Promise((resolve, reject) => {
    const input = new PassThrough();
    let settled = false;
    new Deserializer('utf8').deserializeMethodCall(input, (err, method, params) => {
      if (settled) return;
      settled = true;
      if (err) return reject(new MalformedXmlRpcError(`malformed XML-RPC call: ${err.message}`));
      const list = params ?? [];
      const nil = findNil(list, 'params');
      if (nil !== null) return reject(new MalformedXmlRpcError(`nil is not accepted (at ${nil})`));
      resolve({ method: method ?? '', params: list as XmlRpcValue[] });
    });
    input.end(body);
  });
}

/** Parses a <methodResponse> (value or fault) with the package's Deserializer. */
export function packageDecodeResponse(body: string): Promise<DecodedResponse> {
  return new Promise((resolve, reject) => {
    const input = new PassThrough();
    const des = new Deserializer('utf8');
    let settled = false;
    des.deserializeMethodResponse(input, (err, value) => {
      if (settled) return;
      settled = true;
      if (err) {
        if (des.responseType === 'fault' && err.faultCode !== undefined) {
          const code = typeof err.faultCode === 'number' ? err.faultCode : Number(err.faultCode);
          const message = typeof err.faultString === 'string' ? err.faultString : String(err.faultString ?? '');
          return resolve({ fault: true, code: Number.isFinite(code) ? code : 0, message });
        }
        return reject(new MalformedXmlRpcError(`malformed XML-RPC response: ${err.message}`));
      }
      // An empty <params/> means "no value"; XML-RPC requires one, but be lenient and treat it as an empty string.
      const v = value === undefined ? '' : value;
      const nil = findNil(v, 'result');
      if (nil !== null) return reject(new MalformedXmlRpcError(`nil is not accepted (at ${nil})`));
      resolve({ fault: false, value: v as XmlRpcValue });
    });
    input.end(body);
  });
}
