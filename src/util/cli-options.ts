// Declarations of command-line options for src/util/cli-args.ts: each option says once what it takes, its default, its
// one-line help and how its text becomes a typed value. A value that does not fit throws CliUsageError with one line.

export class CliUsageError extends Error {}

export interface OptionDef<T> {
  /** 'boolean': a switch (`--x`, `--x=true|false`); 'string': takes a value (`--x V` or `--x=V`). */
  type: 'string' | 'boolean';
  help: string;
  /** What the value looks like in the usage text ("N", "FILE"). */
  placeholder?: string;
  /** One-letter alias, without the dash. */
  short?: string;
  /** Shown as "(default ...)" in the usage text. */
  defaultText?: string;
  /** Switches only: also accept a separate word `--x true` / `--x false` (kept for flags documented that way). */
  wordValue?: boolean;
  /** Turns what was given (undefined when absent) into the value; `flag` is "--name" for messages. */
  read(raw: string | boolean | undefined, flag: string): T;
}

/** A value echoed back in a message: quoted, control characters escaped, bounded in length (it may be hostile). */
export function shown(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);
}

function needText(raw: string | boolean | undefined, flag: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '') throw new CliUsageError(`${flag} needs a value`);
  return raw;
}

interface Common {
  placeholder?: string;
  short?: string;
  /** Usage text for a default the program works out itself (e.g. "DATA-DIR/secrets"). */
  defaultText?: string;
}

/** Free text (a file, a host...). */
export function text(help: string, o: Common & { default: string }): OptionDef<string>;
export function text(help: string, o?: Common): OptionDef<string | undefined>;
export function text(help: string, o: Common & { default?: string } = {}): OptionDef<string | undefined> {
  return {
    type: 'string', help, placeholder: o.placeholder ?? 'TEXT', short: o.short, defaultText: o.default ?? o.defaultText,
    read: (raw, flag) => needText(raw, flag) ?? o.default,
  };
}

interface Range extends Common {
  min: number;
  max: number;
}

function numberIn(raw: string, flag: string, r: Range, whole: boolean): number {
  // Number('') is 0 and Number(' 1') is 1: only plain decimal text counts.
  const n = /^-?(\d+\.?\d*|\.\d+)(e\d+)?$/i.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || (whole && !Number.isSafeInteger(n)) || n < r.min || n > r.max) {
    const range = r.max >= Number.MAX_SAFE_INTEGER ? `>= ${r.min}` : `in ${r.min}..${r.max}`;
    throw new CliUsageError(`${flag} must be a ${whole ? 'whole number' : 'number'} ${range}, got ${shown(raw)}`);
  }
  return n;
}

/** A whole number in min..max. */
export function integer(help: string, o: Range & { default: number }): OptionDef<number>;
export function integer(help: string, o: Range): OptionDef<number | undefined>;
export function integer(help: string, o: Range & { default?: number }): OptionDef<number | undefined> {
  return {
    type: 'string', help, placeholder: o.placeholder ?? 'N', short: o.short, defaultText: o.default?.toString() ?? o.defaultText,
    read: (raw, flag) => {
      const t = needText(raw, flag);
      return t === undefined ? o.default : numberIn(t, flag, o, true);
    },
  };
}

/** A number (fractions allowed) in min..max. */
export function decimal(help: string, o: Range & { default: number }): OptionDef<number>;
export function decimal(help: string, o: Range): OptionDef<number | undefined>;
export function decimal(help: string, o: Range & { default?: number }): OptionDef<number | undefined> {
  return {
    type: 'string', help, placeholder: o.placeholder ?? 'N', short: o.short, defaultText: o.default?.toString() ?? o.defaultText,
    read: (raw, flag) => {
      const t = needText(raw, flag);
      return t === undefined ? o.default : numberIn(t, flag, o, false);
    },
  };
}

/** A switch: false unless given (or the default given). */
export function flag(help: string, o: { short?: string; default?: boolean; wordValue?: boolean } = {}): OptionDef<boolean> {
  const dflt = o.default ?? false;
  return {
    type: 'boolean', help, short: o.short, wordValue: o.wordValue, defaultText: dflt ? 'true' : undefined,
    read: (raw, name) => {
      if (raw === undefined) return dflt;
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      throw new CliUsageError(`${name} takes true or false, got ${shown(raw)}`);
    },
  };
}

const orList = (xs: readonly string[]): string => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

/** One word of a fixed set. */
export function oneOf<const T extends string>(help: string, choices: readonly T[], o: Common & { default: T }): OptionDef<T>;
export function oneOf<const T extends string>(help: string, choices: readonly T[], o?: Common): OptionDef<T | undefined>;
export function oneOf<const T extends string>(help: string, choices: readonly T[], o: Common & { default?: T } = {}): OptionDef<T | undefined> {
  return {
    type: 'string', help, placeholder: o.placeholder ?? choices.join('|'), short: o.short, defaultText: o.default ?? o.defaultText,
    read: (raw, flag) => {
      const t = needText(raw, flag);
      if (t === undefined) return o.default;
      if (!(choices as readonly string[]).includes(t)) throw new CliUsageError(`${flag} takes ${orList(choices)}, got ${shown(t)}`);
      return t as T;
    },
  };
}

/** Comma-separated words of a fixed set, at least one. */
export function listOf<const T extends string>(help: string, choices: readonly T[], o: Common & { default: readonly T[] }): OptionDef<T[]> {
  return {
    type: 'string', help, placeholder: o.placeholder ?? choices.join(','), short: o.short, defaultText: o.default.join(','),
    read: (raw, flag) => {
      const t = needText(raw, flag);
      if (t === undefined) return [...o.default];
      const items = t.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const bad = items.find((s) => !(choices as readonly string[]).includes(s));
      if (bad !== undefined || items.length === 0) {
        throw new CliUsageError(`${flag} takes a comma-separated list of ${choices.join(', ')}, got ${shown(t)}`);
      }
      return items as T[];
    },
  };
}

/**
 * Any other shape: `parse` gets the text given (never empty) and returns the value or throws (its message, one line,
 * becomes "FLAG: message" unless it already names the flag).
 */
export function custom<T>(help: string, placeholder: string, parse: (v: string) => T, o: { short?: string; defaultText?: string } = {}): OptionDef<T | undefined> {
  return {
    type: 'string', help, placeholder, short: o.short, defaultText: o.defaultText,
    read: (raw, flag) => {
      const t = needText(raw, flag);
      if (t === undefined) return undefined;
      try {
        return parse(t);
      } catch (err) {
        const msg = (err as Error).message.split('\n')[0];
        throw new CliUsageError(msg.startsWith(flag) ? msg : `${flag}: ${msg}`);
      }
    },
  };
}
