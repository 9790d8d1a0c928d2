// One way to read a command line, for every program of the project (node, cluster, run_client, deploy:*, bench, sim,
// chaos, dashboard...): options declared once (src/util/cli-options.ts), read with node:util's parseArgs, `--help`/`-h`
// printing the usage, and one error style for anything wrong: `<program>: <what was wrong> (try --help)`, exit 2.
import { parseArgs } from 'node:util';
import { nearestKey } from './nearest-key.js';
import { CliUsageError, type OptionDef } from './cli-options.js';

export { CliUsageError } from './cli-options.js';

/** Each option's value type is kept by Values<O> (OptionDef is covariant in it). */
export type Options = Record<string, OptionDef<unknown>>;
export type Values<O extends Options> = { [K in keyof O]: O[K] extends OptionDef<infer T> ? T : never };

export interface CliSpec<O extends Options> {
  /** The name users run it by (its npm script): first word of every error line. */
  program: string;
  /** Command line(s) shown after "usage: ". */
  usage: string | readonly string[];
  /** What it does, one line. */
  summary?: string;
  options: O;
  /** Subcommands (the first positional argument), listed in the usage. */
  commands?: readonly { name: string; help: string }[];
  /** How many positional arguments it accepts; none unless said. */
  maxPositionals?: number;
  /** Lines printed after the options. */
  notes?: readonly string[];
}

/** Declares a program's command line; the option types are inferred from the declarations. */
export function defineCli<O extends Options>(spec: CliSpec<O>): CliSpec<O> {
  return spec;
}

export type CliResult<O extends Options> =
  | { help: true }
  | {
      help: false;
      values: Values<O>;
      positionals: string[];
      /** The options given on the command line, in the order each was last given (for "either A or B" checks). */
      given: ReadonlySet<keyof O & string>;
    };

const HELP_LINE = { names: '-h, --help', help: 'print this help and exit' };

/** The usage text `--help` prints. */
export function formatUsage<O extends Options>(spec: CliSpec<O>): string {
  const usage = typeof spec.usage === 'string' ? [spec.usage] : spec.usage;
  const lines = usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`);
  if (spec.summary) lines.push(spec.summary);
  const rows = (items: { names: string; help: string }[]): string[] => {
    const w = Math.min(34, Math.max(...items.map((r) => r.names.length)));
    return items.map((r) => `  ${r.names.padEnd(w)}  ${r.help}`);
  };
  if (spec.commands && spec.commands.length > 0) {
    lines.push('commands:', ...rows(spec.commands.map((c) => ({ names: c.name, help: c.help }))));
  }
  const opts = Object.entries(spec.options).map(([name, d]) => ({
    names: `${d.short ? `-${d.short}, ` : ''}--${name}${d.type === 'string' ? ` ${d.placeholder ?? 'VALUE'}` : ''}`,
    help: `${d.help}${d.defaultText !== undefined ? ` (default ${d.defaultText})` : ''}`,
  }));
  lines.push('options:', ...rows([...opts, HELP_LINE]));
  if (spec.notes) lines.push(...spec.notes);
  return lines.join('\n');
}

/** The one error line: `<program>: <message> (try --help)`. */
export function formatUsageError(program: string, message: string): string {
  return `${program}: ${message.split('\n')[0]} (try --help)`;
}

function unknownOption(raw: string, known: readonly string[]): CliUsageError {
  const name = raw.replace(/^-+/, '').split('=')[0];
  const near = raw.startsWith('--') && name.length > 1 ? nearestKey(name, known) : null;
  const safe = raw.length > 60 ? `${raw.slice(0, 60)}...` : raw;
  return new CliUsageError(`unknown option ${JSON.stringify(safe).slice(1, -1)}${near ? `, did you mean --${near}?` : ''}`);
}

/** Reads `argv` (without node and the script). Throws CliUsageError (one line) for anything wrong. */
export function parseCli<O extends Options>(spec: CliSpec<O>, argv: readonly string[]): CliResult<O> {
  const parseOptions: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, d] of Object.entries(spec.options)) parseOptions[name] = d.short ? { type: d.type, short: d.short } : { type: d.type };
  // Not strict: parseArgs's own errors are long and unlike ours; the tokens let every case be reported here.
  const { tokens } = parseArgs({ args: [...argv], options: parseOptions, strict: false, allowPositionals: true, tokens: true });
  type Token = (typeof tokens)[number];
  const max = spec.maxPositionals ?? 0;
  const shorts = new Set(['h', ...Object.values(spec.options).flatMap((d) => (d.short ? [d.short] : []))]);
  const shortGroup = (word: string): boolean => /^-[a-zA-Z]+$/.test(word) && [...word.slice(1)].every((c) => shorts.has(c));
  // Where arguments are expected, "-5" or "-x" is an argument, not a mistyped option (run_client set k -5): parseArgs
  // split it into letters, all tokens with the word's index.
  const looseWord = (t: Token): boolean => t.kind === 'option' && max > 0 && !t.rawName.startsWith('--') && !shortGroup(argv[t.index]);
  const isHelp = (t: Token): boolean => t.kind === 'option' && (t.rawName === '--help' || t.rawName === '-h') && !looseWord(t);
  if (tokens.some(isHelp)) return { help: true };

  const known = Object.keys(spec.options);
  const raw = new Map<string, string | boolean>();
  // Deleted before each set, so the map (and `given`) lists the options in the order they were last given.
  const put = (name: string, v: string | boolean): void => void (raw.delete(name), raw.set(name, v));
  const positionals: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (looseWord(t)) {
      positionals.push(argv[t.index]);
      while (tokens[i + 1]?.index === t.index) i++;
      continue;
    }
    const def = Object.hasOwn(spec.options, t.name) ? spec.options[t.name] : undefined;
    // An undeclared short letter comes back named by the letter itself: it must not match a long option.
    if (def === undefined || (t.rawName !== `--${t.name}` && t.rawName !== `-${def.short}`)) throw unknownOption(t.rawName, known);
    const flagName = `--${t.name}`;
    if (def.type === 'string') {
      // "--nodes --verbose": a forgotten value, not a value that starts with dashes.
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw new CliUsageError(`${flagName} needs a value`);
      put(t.name, t.value);
    } else if (t.inlineValue) {
      put(t.name, t.value ?? '');
    } else {
      const next = tokens[i + 1];
      if (def.wordValue && next?.kind === 'positional' && next.index === t.index + 1 && (next.value === 'true' || next.value === 'false')) {
        put(t.name, next.value);
        i++;
      } else {
        put(t.name, true);
      }
    }
  }
  if (positionals.length > max) {
    throw new CliUsageError(max === 0 ? `unexpected argument ${JSON.stringify(positionals[0].slice(0, 60))}` : `too many arguments (at most ${max})`);
  }
  const values = {} as Record<string, unknown>;
  for (const [name, d] of Object.entries(spec.options)) values[name] = d.read(raw.get(name), `--${name}`);
  return { help: false, values: values as Values<O>, positionals, given: new Set(raw.keys()) as Set<keyof O & string> };
}

/** Prints the one error line and exits 2. For checks the caller makes after parsing (e.g. two options that exclude each other). */
export function exitUsage(program: string, message: string): never {
  process.stderr.write(`${formatUsageError(program, message)}\n`);
  process.exit(2);
}

export type Parsed<O extends Options> = Extract<CliResult<O>, { help: false }>;

/**
 * parseCli for a program's main: `--help` prints the usage and exits 0; a usage error prints one line and exits 2.
 * `build` turns the values into what the program uses; a CliUsageError it throws is reported the same way.
 */
export function readCli<O extends Options, T = Parsed<O>>(spec: CliSpec<O>, build?: (r: Parsed<O>) => T, argv: readonly string[] = process.argv.slice(2)): T {
  try {
    const r = parseCli(spec, argv);
    if (r.help) {
      process.stdout.write(`${formatUsage(spec)}\n`);
      process.exit(0);
    }
    return build ? build(r) : (r as unknown as T);
  } catch (err) {
    if (err instanceof CliUsageError) exitUsage(spec.program, err.message);
    throw err;
  }
}
