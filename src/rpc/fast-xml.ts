// A cheap serializer and a strict parser for the XML-RPC that nodes exchange, because per-call overhead bounds the
// cluster's throughput (issue 5: the package's xmlbuilder + sax path costs more than the consensus work).
// Both are deliberately narrow: the serializer covers string/int/double/boolean/array/struct, the parser the same
// values in the canonical layout. Anything else (Date, base64, nil, i8, comments, attributes, HTML entities, CR,
// upper-case tags, lenient numbers...) returns undefined and the caller falls back to the `xmlrpc` package, so the
// observable behaviour is the package's. test/rpc/fast-xml.test.ts checks both against the package on the same inputs.
import type { XmlRpcStruct, XmlRpcValue } from './values.js';
import { UNENCODABLE } from './xml-text.js';
import { MAX_XML_DEPTH, type DecodedCall, type DecodedResponse } from './xmlrpc-package.js';

// ---------------------------------------------------------------- serializer

// Strings holding characters XML 1.0 cannot carry (xml-text.ts) go to the package serializer, which rejects them.
const NEEDS_ESCAPE = /[&<>\r]/;

/** '\r' as a reference: a literal one would be normalized to '\n' by any conforming XML parser. */
function escapeText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Appends one <value>; returns false for a value this serializer does not handle. */
function writeValue(v: XmlRpcValue, out: string[]): boolean {
  switch (typeof v) {
    case 'string':
      if (UNENCODABLE.test(v)) return false;
      out.push('<value><string>', escapeText(v), '</string></value>');
      return true;
    case 'number':
      if (!Number.isFinite(v)) return false;
      // <int> is a four-byte integer in XML-RPC; larger whole numbers go as <i8> (which Python and the package read).
      if (!Number.isSafeInteger(v)) out.push(`<value><double>${v}</double></value>`);
      else if (v >= INT32_MIN && v <= INT32_MAX) out.push(`<value><int>${v}</int></value>`);
      else out.push(`<value><i8>${v}</i8></value>`);
      return true;
    case 'boolean':
      out.push(v ? '<value><boolean>1</boolean></value>' : '<value><boolean>0</boolean></value>');
      return true;
  }
  if (Array.isArray(v)) {
    out.push('<value><array><data>');
    for (const item of v) if (!writeValue(item, out)) return false;
    out.push('</data></array></value>');
    return true;
  }
  if (v instanceof Date || Buffer.isBuffer(v) || typeof v !== 'object' || v === null) return false;
  out.push('<value><struct>');
  for (const k of Object.keys(v)) {
    if (UNENCODABLE.test(k)) return false;
    out.push('<member><name>', escapeText(k), '</name>');
    if (!writeValue((v as XmlRpcStruct)[k], out)) return false;
    out.push('</member>');
  }
  out.push('</struct></value>');
  return true;
}

const DECL = '<?xml version="1.0"?>';

export function fastEncodeCall(method: string, params: XmlRpcValue[]): string | undefined {
  if (UNENCODABLE.test(method)) return undefined;
  const out = [DECL, '<methodCall><methodName>', escapeText(method), '</methodName><params>'];
  for (const p of params) {
    out.push('<param>');
    if (!writeValue(p, out)) return undefined;
    out.push('</param>');
  }
  out.push('</params></methodCall>');
  return out.join('');
}

export function fastEncodeResponse(value: XmlRpcValue): string | undefined {
  const out = [DECL, '<methodResponse><params><param>'];
  if (!writeValue(value, out)) return undefined;
  out.push('</param></params></methodResponse>');
  return out.join('');
}

// ---------------------------------------------------------------- parser

/** Thrown inside the parser for "not the canonical shape": the caller falls back, so it never escapes this file. */
class Unusual extends Error {}
const UNUSUAL = new Unusual();

const INT = /^[+-]?\d+$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const CHAR_REF = /^#(?:(\d{1,7})|x([0-9a-fA-F]{1,6}))$/;
/** A '&' that does not start one of XML's five named entities. */
const OTHER_AMP = /&(?!(?:amp|lt|gt|quot|apos);)/;

/**
 * Character data with its references decoded, in one pass with slices (a regex replace with a callback took 650 ms
 * for 262,000 '&gt;', long enough for a follower to miss heartbeats). A '&' that is not one of XML's five named
 * entities or a character reference is decoded differently (HTML names) or rejected by sax: the package decides.
 */
function decodeReferences(raw: string, first: number): string {
  let out = '';
  let last = 0;
  for (let i = first; i >= 0; i = raw.indexOf('&', last)) {
    const semi = raw.indexOf(';', i + 1);
    if (semi < 0 || semi - i > 10) throw UNUSUAL;
    out += raw.slice(last, i);
    const name = raw.slice(i + 1, semi);
    switch (name) {
      case 'amp': out += '&'; break;
      case 'lt': out += '<'; break;
      case 'gt': out += '>'; break;
      case 'quot': out += '"'; break;
      case 'apos': out += "'"; break;
      default: {
        const m = CHAR_REF.exec(name);
        if (m === null) throw UNUSUAL;
        const cp = m[1] !== undefined ? parseInt(m[1], 10) : parseInt(m[2], 16);
        if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw UNUSUAL;
        out += String.fromCodePoint(cp);
      }
    }
    last = semi + 1;
  }
  return out + raw.slice(last);
}

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}

  skipSpace(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      // CR too: between tags it is insignificant, and clients on Windows end lines with CRLF.
      if (c === 32 || c === 10 || c === 9 || c === 13) p++;
      else break;
    }
    this.pos = p;
  }

  /** Consumes exactly `tag` (e.g. '<value>') after optional whitespace, or reports whether it is there. */
  take(tag: string): boolean {
    this.skipSpace();
    if (this.s.startsWith(tag, this.pos)) {
      this.pos += tag.length;
      return true;
    }
    return false;
  }

  expect(tag: string): void {
    if (!this.take(tag)) throw UNUSUAL;
  }

  /** Character data up to the next '<', entities decoded; CDATA sections and CR are left to the package. */
  text(): string {
    const end = this.s.indexOf('<', this.pos);
    if (end < 0) throw UNUSUAL;
    const raw = this.s.slice(this.pos, end);
    this.pos = end;
    if (this.s.startsWith('<![CDATA[', end)) throw UNUSUAL;
    if (raw.indexOf('\r') >= 0) throw UNUSUAL;
    const amp = raw.indexOf('&');
    if (amp < 0) return raw;
    if (raw.indexOf('&#', amp) >= 0) return decodeReferences(raw, amp);
    // Only named entities: native replaces with fixed strings are the cheapest for entity-dense text. '&amp;' goes
    // last so that '&amp;lt;' becomes '&lt;', not '<'.
    if (OTHER_AMP.test(raw)) throw UNUSUAL;
    return raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  }
}

function intText(c: Cursor, closing: string): number {
  const t = c.text();
  if (!INT.test(t)) throw UNUSUAL;
  const v = parseInt(t, 10);
  // Out of range goes to the package, which refuses it with a message.
  if (v < INT32_MIN || v > INT32_MAX) throw UNUSUAL;
  c.expect(closing);
  return v;
}

/** `depth` counts elements as the package does, so both refuse the same documents (MAX_XML_DEPTH). */
function parseValue(c: Cursor, depth: number): XmlRpcValue {
  // value, its type element and (array) data or (struct) member: at most three levels per value.
  if (depth + 3 > MAX_XML_DEPTH) throw UNUSUAL;
  c.expect('<value');
  if (c.take('/>')) return '';
  c.expect('>');
  const start = c.pos;
  c.skipSpace();
  const s = c.s;
  if (s.charCodeAt(c.pos) !== 60 /* < */ || s.startsWith('</value>', c.pos)) {
    // Untyped <value>text</value> is a string (whitespace included).
    c.pos = start;
    const text = c.text();
    c.expect('</value>');
    return text;
  }
  let v: XmlRpcValue;
  if (c.take('<string>')) {
    v = c.text();
    c.expect('</string>');
  } else if (c.take('<string/>')) {
    v = '';
  } else if (c.take('<int>')) {
    v = intText(c, '</int>');
  } else if (c.take('<i4>')) {
    v = intText(c, '</i4>');
  } else if (c.take('<boolean>')) {
    const t = c.text();
    if (t !== '0' && t !== '1') throw UNUSUAL;
    v = t === '1';
    c.expect('</boolean>');
  } else if (c.take('<double>')) {
    const t = c.text();
    if (!DOUBLE.test(t)) throw UNUSUAL;
    v = parseFloat(t);
    c.expect('</double>');
  } else if (c.take('<array>')) {
    const items: XmlRpcValue[] = [];
    if (!c.take('<data/>')) {
      c.expect('<data>');
      while (!c.take('</data>')) items.push(parseValue(c, depth + 3));
    }
    c.expect('</array>');
    v = items;
  } else if (c.take('<struct/>')) {
    v = {};
  } else if (c.take('<struct>')) {
    const members: XmlRpcStruct = {};
    while (!c.take('</struct>')) {
      c.expect('<member>');
      c.expect('<name>');
      const name = c.text();
      // The package builds structs with plain assignment; a '__proto__' member would behave differently there.
      if (name === '__proto__') throw UNUSUAL;
      c.expect('</name>');
      members[name] = parseValue(c, depth + 3);
      c.expect('</member>');
    }
    v = members;
  } else {
    throw UNUSUAL;
  }
  c.expect('</value>');
  return v;
}

function skipDeclaration(c: Cursor): void {
  c.skipSpace();
  if (c.s.startsWith('<?xml', c.pos)) {
    const end = c.s.indexOf('?>', c.pos);
    if (end < 0) throw UNUSUAL;
    // Only UTF-8 (or unspecified) documents: the body was decoded as UTF-8.
    const decl = c.s.slice(c.pos, end);
    if (/encoding/i.test(decl) && !/encoding\s*=\s*["']utf-8["']/i.test(decl)) throw UNUSUAL;
    c.pos = end + 2;
  }
}

function parseParams(c: Cursor): XmlRpcValue[] {
  const params: XmlRpcValue[] = [];
  if (c.take('<params/>')) return params;
  c.expect('<params>');
  while (!c.take('</params>')) {
    c.expect('<param>');
    params.push(parseValue(c, 3));
    c.expect('</param>');
  }
  return params;
}

function atEnd(c: Cursor): void {
  c.skipSpace();
  if (c.pos !== c.s.length) throw UNUSUAL;
}

/** The call, or undefined when the body is not in the canonical shape (the caller then uses the package). */
export function fastDecodeCall(body: string): DecodedCall | undefined {
  try {
    const c = new Cursor(body);
    skipDeclaration(c);
    c.expect('<methodCall>');
    c.expect('<methodName>');
    const method = c.text();
    c.expect('</methodName>');
    let params: XmlRpcValue[] = [];
    if (!c.take('</methodCall>')) {
      params = parseParams(c);
      c.expect('</methodCall>');
    }
    atEnd(c);
    if (method === '') return undefined;
    return { method, params };
  } catch (err) {
    if (err instanceof Unusual) return undefined;
    throw err;
  }
}

/** A successful response's value, or undefined for faults and anything not in the canonical shape. */
export function fastDecodeResponse(body: string): DecodedResponse | undefined {
  try {
    const c = new Cursor(body);
    skipDeclaration(c);
    c.expect('<methodResponse>');
    c.expect('<params>');
    c.expect('<param>');
    const value = parseValue(c, 3);
    c.expect('</param>');
    c.expect('</params>');
    c.expect('</methodResponse>');
    atEnd(c);
    return { fault: false, value };
  } catch (err) {
    if (err instanceof Unusual) return undefined;
    throw err;
  }
}
