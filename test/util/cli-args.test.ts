// The shared command-line reader (src/util/cli-args.ts): typed values and defaults, --help, and one error line for
// every kind of mistake a user (or a hostile caller) can make.
import { expect } from 'chai';
import { CliUsageError, defineCli, formatUsage, formatUsageError, parseCli, type Parsed } from '../../src/util/cli-args.js';
import { custom, decimal, flag, integer, listOf, oneOf, text } from '../../src/util/cli-options.js';

const SPEC = defineCli({
  program: 'demo',
  usage: 'demo [options] [FILE]',
  summary: 'A demonstration.',
  maxPositionals: 1,
  commands: [{ name: 'go', help: 'goes' }],
  options: {
    nodes: integer('how many nodes', { min: 1, max: 99, default: 5 }),
    port: integer('a port', { min: 0, max: 65535, placeholder: 'P' }),
    offset: integer('may be negative', { min: -10, max: 10, default: 0 }),
    seconds: decimal('how long', { min: 0.5, max: 60, default: 6, placeholder: 'S' }),
    'data-dir': text('where', { placeholder: 'DIR', default: 'data' }),
    name: text('a name'),
    mode: oneOf('the mode', ['index', 'lease'], { default: 'index' }),
    ops: listOf('operations', ['add', 'set', 'get'], { default: ['add', 'get'] }),
    verbose: flag('talk more', { short: 'v' }),
    dashboard: flag('serve it', { default: true, wordValue: true }),
    pair: custom('two numbers', 'A,B', (v) => {
      const [a, b] = v.split(',').map(Number);
      if (!(a < b)) throw new Error('needs A < B');
      return [a, b] as const;
    }),
  },
});

function parsed(argv: string[]): Parsed<typeof SPEC.options> {
  const r = parseCli(SPEC, argv);
  if (r.help) throw new Error('unexpected help');
  return r;
}

function errorOf(argv: string[]): string {
  try {
    parseCli(SPEC, argv);
  } catch (err) {
    expect(err).to.be.instanceOf(CliUsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('command-line reader (src/util/cli-args.ts)', () => {
  it('gives typed defaults when nothing is given', () => {
    const r = parsed([]);
    expect(r.values).to.deep.equal({
      nodes: 5, port: undefined, offset: 0, seconds: 6, 'data-dir': 'data', name: undefined, mode: 'index', ops: ['add', 'get'],
      verbose: false, dashboard: true, pair: undefined,
    });
    expect(r.positionals).to.deep.equal([]);
    expect([...r.given]).to.deep.equal([]);
  });

  it('reads --name value, --name=value, short switches, lists, positionals and the -- terminator', () => {
    const r = parsed(['--nodes', '7', '--port=0', '--offset', '-3', '--seconds', '0.75', '--data-dir=a=b', '-v', '--ops', 'set, add', '--mode', 'lease', '--pair', '1,2', 'f.txt']);
    expect(r.values).to.deep.include({ nodes: 7, port: 0, offset: -3, seconds: 0.75, 'data-dir': 'a=b', verbose: true, mode: 'lease' });
    expect(r.values.ops).to.deep.equal(['set', 'add']);
    expect(r.values.pair).to.deep.equal([1, 2]);
    expect(r.positionals).to.deep.equal(['f.txt']);
    expect([...r.given].sort()).to.deep.equal(['data-dir', 'mode', 'nodes', 'offset', 'ops', 'pair', 'port', 'seconds', 'verbose']);
    expect(parsed(['--', '--nodes']).positionals).to.deep.equal(['--nodes']);
    // Given twice: the last one counts, as with most programs.
    expect(parsed(['--nodes', '3', '--nodes', '4']).values.nodes).to.equal(4);
    expect([...parsed(['--nodes', '3', '--port', '1', '--nodes', '4']).given]).to.deep.equal(['port', 'nodes']);
  });

  it('reads switches as --x, --x=true|false, and (where declared) --x true|false', () => {
    expect(parsed(['--verbose=false']).values.verbose).to.equal(false);
    expect(parsed(['--dashboard', 'false']).values.dashboard).to.equal(false);
    expect(parsed(['--dashboard=false']).values.dashboard).to.equal(false);
    expect(parsed(['--dashboard']).values.dashboard).to.equal(true);
    // Without wordValue the word is a positional argument, not the switch's value.
    expect(parsed(['--verbose', 'false']).positionals).to.deep.equal(['false']);
    expect(errorOf(['--verbose=maybe'])).to.equal('--verbose takes true or false, got "maybe"');
  });

  it('answers --help and -h anywhere, even beside a mistake, with a usage naming every option and its default', () => {
    for (const argv of [['--help'], ['-h'], ['--nodes', 'x', '--help'], ['--bogus', '-h']]) expect(parseCli(SPEC, argv), argv.join(' ')).to.deep.equal({ help: true });
    expect(parseCli(SPEC, ['--', '--help']).help).to.equal(false);
    const u = formatUsage(SPEC).split('\n');
    expect(u[0]).to.equal('usage: demo [options] [FILE]');
    expect(u).to.include('commands:').and.include('options:');
    expect(u.find((l) => l.includes('--nodes N'))).to.match(/how many nodes \(default 5\)$/);
    expect(u.find((l) => l.includes('--mode'))).to.match(/--mode index\|lease +the mode \(default index\)$/);
    expect(u.find((l) => l.includes('--verbose'))).to.match(/^ {2}-v, --verbose +talk more$/);
    expect(u.find((l) => l.includes('--port P'))).to.match(/a port$/);
    expect(u.find((l) => l.includes('--help'))).to.match(/-h, --help +print this help and exit$/);
    for (const name of Object.keys(SPEC.options)) expect(u.some((l) => l.includes(`--${name}`)), name).to.equal(true);
  });

  it('refuses an unknown option, suggesting the nearest one when it is close', () => {
    expect(errorOf(['--node', '3'])).to.equal('unknown option --node, did you mean --nodes?');
    expect(errorOf(['--datadir', 'x'])).to.equal('unknown option --datadir, did you mean --data-dir?');
    expect(errorOf(['--frobnicate'])).to.equal('unknown option --frobnicate');
    const none = defineCli({ program: 'none', usage: 'none', options: { verbose: flag('talk', { short: 'v' }) } });
    expect(() => parseCli(none, ['-x'])).to.throw(CliUsageError, /^unknown option -x$/);
    expect(() => parseCli(none, ['-vx'])).to.throw(CliUsageError, /^unknown option -x$/);
    // A short letter nobody declared must not reach a long option of that name.
    expect(errorOf(['--v'])).to.equal('unknown option --v');
  });

  it('refuses a missing value, including one swallowed by the next option', () => {
    expect(errorOf(['--nodes'])).to.equal('--nodes needs a value');
    expect(errorOf(['--name', '--verbose'])).to.equal('--name needs a value');
    expect(errorOf(['--name='])).to.equal('--name needs a value');
  });

  it('refuses numbers out of range or not plain decimal text, saying the range and what was given', () => {
    for (const bad of ['0', '100', '2.5', 'x', '', ' 5', '0x10', '5abc', 'Infinity', 'NaN']) {
      expect(errorOf(['--nodes', bad]), JSON.stringify(bad)).to.match(bad === '' ? /^--nodes needs a value$/ : /^--nodes must be a whole number in 1\.\.99, got ".*"$/);
    }
    expect(errorOf(['--seconds', '0.1'])).to.equal('--seconds must be a number in 0.5..60, got "0.1"');
    expect(errorOf(['--offset', '-11'])).to.equal('--offset must be a whole number in -10..10, got "-11"');
    expect(parsed(['--seconds', '.5']).values.seconds).to.equal(0.5);
  });

  it('refuses a word outside its set, and custom values with the option named', () => {
    expect(errorOf(['--mode', 'fast'])).to.equal('--mode takes index or lease, got "fast"');
    expect(errorOf(['--ops', 'add,del'])).to.equal('--ops takes a comma-separated list of add, set, get, got "add,del"');
    expect(errorOf(['--ops', ','])).to.match(/^--ops takes a comma-separated list/);
    expect(errorOf(['--pair', '2,1'])).to.equal('--pair: needs A < B');
  });

  it('takes a word starting with one dash as an argument where arguments are expected (a negative number, "-")', () => {
    expect(parsed(['-5']).positionals).to.deep.equal(['-5']);
    expect(parsed(['-']).positionals).to.deep.equal(['-']);
    expect(parsed(['-hello']).positionals).to.deep.equal(['-hello']);
    // Declared short letters together stay options.
    expect(parsed(['-v', 'f']).values.verbose).to.equal(true);
    expect(parseCli(SPEC, ['-vh'])).to.deep.equal({ help: true });
    const none = defineCli({ program: 'none', usage: 'none', options: {} });
    expect(() => parseCli(none, ['-5'])).to.throw(CliUsageError, /^unknown option -5$/);
  });

  it('refuses extra positional arguments', () => {
    expect(errorOf(['a', 'b'])).to.equal('too many arguments (at most 1)');
    const none = defineCli({ program: 'none', usage: 'none', options: {} });
    expect(() => parseCli(none, ['stray'])).to.throw(CliUsageError, /^unexpected argument "stray"$/);
  });

  it('keeps hostile input to one bounded line with control characters escaped', () => {
    const evil = `--${'a'.repeat(5000)}\n\u001b[2Jboom`;
    const msg = errorOf([evil]);
    expect(msg).to.not.match(/[\n\u001b]/);
    expect(msg.length).to.be.lessThan(200);
    const value = errorOf(['--nodes', `1\n${'9'.repeat(5000)}`]);
    expect(value).to.not.contain('\n');
    expect(value.length).to.be.lessThan(200);
    expect(formatUsageError('demo', 'first\nsecond')).to.equal('demo: first (try --help)');
  });
});
