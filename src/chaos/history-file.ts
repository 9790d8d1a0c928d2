// The chaos history as a file for checkers written by someone else (`npm run chaos -- --history FILE`): JSON lines,
// one operation per line, in the order the calls were issued. The README documents the format; in short:
//   {"id":4,"process":"c1","op":"set","input":{"key":"x","value":"c1.2","tid":"..."},"call":812.5,"return":815.25,"outcome":"ok","output":true}
//   {"id":9,"process":"c3","op":"add","input":{"tid":"...","data":"..."},"call":901.0,"return":null,"gaveUp":3401.7,"outcome":"unknown","output":"unknown"}
//   {"id":11,"process":"c2","op":"get","input":{"key":"y"},"call":950.1,"return":3450.2,"outcome":"failed","output":"failed"}
// parseHistory reads it back strictly (it is also how our own checker is fed the file in the tests).
import type { ChaosOpInput, ChaosOpRecord, ChaosOutcome } from './op-record.js';

export function formatHistoryLine(r: ChaosOpRecord): string {
  const { op, ...input } = r.input;
  const outcome: ChaosOutcome = r.outcome ?? 'unknown';
  const line: Record<string, unknown> = { id: r.id, process: r.process, op, input, call: r.call };
  if (outcome === 'unknown') {
    // Its effect, if any, may happen at any time after the call: no return time, but when the client gave up.
    line.return = null;
    line.gaveUp = r.outcome === null ? null : r.end;
  } else {
    line.return = r.end;
  }
  line.outcome = outcome;
  line.output = outcome === 'ok' ? r.output : outcome;
  return JSON.stringify(line);
}

export function formatHistory(records: readonly ChaosOpRecord[]): string {
  return records.map((r) => formatHistoryLine(r) + '\n').join('');
}

/** Reads a history file's text; throws an Error whose message is one line naming the line and what is wrong. */
export function parseHistory(text: string): ChaosOpRecord[] {
  const out: ChaosOpRecord[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    if (lines[n] === '' && n === lines.length - 1) break;
    out.push(parseHistoryLine(lines[n], n + 1));
  }
  return out;
}

function parseHistoryLine(line: string, n: number): ChaosOpRecord {
  const fail = (what: string): never => {
    throw new Error(`history line ${n}: ${what}`);
  };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    fail('not JSON');
  }
  if (!isObject(v)) return fail('not a JSON object');
  const id = v.id;
  if (!Number.isSafeInteger(id) || (id as number) < 0) fail('"id" must be a non-negative integer');
  if (typeof v.process !== 'string' || v.process === '') fail('"process" must be a non-empty string');
  const call = v.call;
  if (!isTime(call)) fail('"call" must be a finite non-negative number');
  const outcome = v.outcome;
  if (outcome !== 'ok' && outcome !== 'unknown' && outcome !== 'failed') fail('"outcome" must be "ok", "unknown" or "failed"');
  const input = parseInput(v.op, v.input, fail);
  let end: number | null;
  if (outcome === 'unknown') {
    if (v.return !== null) fail('"return" must be null when the outcome is unknown');
    if (v.gaveUp !== null && !isTime(v.gaveUp)) fail('"gaveUp" must be null or a time');
    if (v.output !== 'unknown') fail('"output" must be "unknown" when the outcome is unknown');
    end = v.gaveUp as number | null;
  } else {
    if (!isTime(v.return)) fail('"return" must be a finite non-negative number');
    end = v.return as number;
  }
  if (end !== null && end < (call as number)) fail('"return"/"gaveUp" is before "call"');
  const r: ChaosOpRecord = { id: id as number, process: v.process as string, input, call: call as number, end, outcome: outcome as ChaosOutcome };
  if (outcome === 'ok') {
    if (input.op === 'get' ? typeof v.output !== 'string' : v.output !== true) fail(`"output" of an ok ${input.op} must be ${input.op === 'get' ? 'a string' : 'true'}`);
    r.output = v.output as string | true;
  } else if (outcome === 'failed') {
    if (input.op !== 'get') fail('only a get can have outcome "failed" (a write without an answer is "unknown")');
    if (v.output !== 'failed') fail('"output" must be "failed" when the outcome is failed');
  }
  return r;
}

function parseInput(op: unknown, input: unknown, fail: (what: string) => never): ChaosOpInput {
  if (!isObject(input)) return fail('"input" must be an object');
  const str = (k: string): string => (typeof input[k] === 'string' ? (input[k] as string) : fail(`"input.${k}" must be a string`));
  if (op === 'add') return { op, tid: str('tid'), data: str('data') };
  if (op === 'set') return { op, key: str('key'), value: str('value'), tid: str('tid') };
  if (op === 'get') return { op, key: str('key') };
  return fail('"op" must be "add", "set" or "get"');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTime(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
