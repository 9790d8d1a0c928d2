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

interface DeserializerInternals {
  onError(msg: string | Error): void;
  onOpentag(node: { name: string }): void;
  onClosetag(el: string): void;
  push(value: unknown): void;
  value: boolean;
}

const require = createRequire(import.meta.url);
const serializer = require('xmlrpc/lib/serializer.js') as SerializerModule;
const PackageDeserializer = require('xmlrpc/lib/deserializer.js') as new (encoding?: string) => DeserializerInstance;

/**
 * Elements nested deeper than this are refused. A canonical appendEntriesRPC nests 11 deep (methodCall, params,
 * param, value, array, data, value, struct, member, value, string); 64 leaves room for any sane client's values.
 * Without a bound, a 6,000-deep array took the node down with an uncaught RangeError (issue 11).
 */
export const MAX_XML_DEPTH = 64;

const INT = /^[+-]?\d+$/;
const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The package's Deserializer, made strict where it is lenient: it reads `<int>1.5</int>`, `<int>1zz</int>` and
 * `<int>1e3</int>` as 1 (parseInt) and `<double>1x</double>` as 1 (parseFloat). XML-RPC's grammar is an optional
 * sign and digits, and `<int>`/`<i4>` are four-byte signed integers; `<i8>` becomes a number when it is a safe
 * integer (the package makes it a string). Nesting is bounded by MAX_XML_DEPTH.
 */
function strictDeserializer(): DeserializerInstance {
  const d = new PackageDeserializer('utf8');
  const inner = d as unknown as DeserializerInternals;
  let depth = 0;
  // Once the document is known to be bad, the rest is not interpreted: the package's handlers would go on building
  // values from a half-understood stack (an over-deep array made that work grow without bound).
  let failed = false;
  const open = inner.onOpentag.bind(d);
  const close = inner.onClosetag.bind(d);
  const onError = inner.onError.bind(d);
  inner.onError = (msg) => {
    failed = true;
    onError(msg);
  };
  // The package binds its sax handlers in its constructor, so these wrappers are installed on the instance and
  // re-registered with the parser below.
  inner.onOpentag = (node) => {
    if (failed) return;
    if (++depth > MAX_XML_DEPTH) return inner.onError(`elements nested deeper than ${MAX_XML_DEPTH}`);
    open(node);
  };
  inner.onClosetag = (el) => {
    if (failed) return;
    depth--;
    try {
      switch (el) {
        case 'INT':
        case 'I4':
        case 'I8': {
          const text = (d as unknown as { data: string[] }).data.join('');
          if (!INT.test(text)) throw new Error(`<${el.toLowerCase()}> must be an optional sign and digits, got '${text.slice(0, 40)}'`);
          const v = Number(text);
          const ok = el === 'I8' ? Number.isSafeInteger(v) : v >= INT32_MIN && v <= INT32_MAX;
          if (!ok) throw new Error(`<${el.toLowerCase()}> ${text.slice(0, 40)} is out of range`);
          inner.push(v);
          inner.value = false;
          return;
        }
        case 'DOUBLE': {
          const text = (d as unknown as { data: string[] }).data.join('');
          if (!DOUBLE.test(text)) throw new Error(`<double> must be a decimal number, got '${text.slice(0, 40)}'`);
          inner.push(parseFloat(text));
          inner.value = false;
          return;
        }
      }
    } catch (err) {
      return inner.onError(err as Error);
    }
    close(el);
  };
  // Every handler runs inside sax's stream events, where a throw is an uncaught exception that ends the process: the
  // package's own end handler throws on a <fault> with no value (found by test/rpc/tag-soup.test.ts), so each is
  // guarded and a throw becomes this document's error.
  const parser = (d as unknown as { parser: NodeJS.EventEmitter }).parser;
  const onDone = (d as unknown as { onDone(): void }).onDone.bind(d);
  const guard =
    <A extends unknown[]>(fn: (...a: A) => void) =>
    (...a: A): void => {
      try {
        fn(...a);
      } catch (e) {
        inner.onError(e instanceof Error ? e : new Error(String(e)));
      }
    };
  for (const ev of ['opentag', 'closetag', 'error', 'end']) parser.removeAllListeners(ev);
  parser.on('opentag', guard((node: { name: string }) => inner.onOpentag(node)));
  parser.on('closetag', guard((el: string) => inner.onClosetag(el)));
  parser.on('error', guard((e: Error) => inner.onError(e)));
  parser.on('end', guard(() => {
    if (!failed) onDone();
  }));
  return d;
}

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
    strictDeserializer().deserializeMethodCall(input, (err, method, params) => {
      if (settled) return;
      settled = true;
      // This runs inside the parser's stream events: anything thrown here would be an uncaught exception.
      try {
        if (err) return reject(new MalformedXmlRpcError(`malformed XML-RPC call: ${err.message}`));
        const list = params ?? [];
        const nil = findNil(list, 'params');
        if (nil !== null) return reject(new MalformedXmlRpcError(`nil is not accepted (at ${nil})`));
        resolve({ method: method ?? '', params: list as XmlRpcValue[] });
      } catch (e) {
        reject(new MalformedXmlRpcError(`malformed XML-RPC call: ${(e as Error).message}`));
      }
    });
    input.end(body);
  });
}

/** Parses a <methodResponse> (value or fault) with the package's Deserializer. */
export function packageDecodeResponse(body: string): Promise<DecodedResponse> {
  return new Promise((resolve, reject) => {
    const input = new PassThrough();
    const des = strictDeserializer();
    let settled = false;
    des.deserializeMethodResponse(input, (err, value) => {
      if (settled) return;
      settled = true;
      try {
        settleResponse(err, value);
      } catch (e) {
        reject(new MalformedXmlRpcError(`malformed XML-RPC response: ${(e as Error).message}`));
      }
    });
    const settleResponse = (err: DeserializerError | null | undefined, value: unknown): void => {
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
    };
    input.end(body);
  });
}
