// npm run testbed:up -- --hosts N [--inventory FILE] [--prefix P --subnet A.B.C]   |   npm run testbed:down [--prefix P]
// Command line read by src/util/cli-args.ts: --help on both, one error line `testbed:up: ... (try --help)`, exit 2.
import { CliUsageError, defineCli, formatUsage, formatUsageError, parseCli } from '../../src/util/cli-args.js';
import { custom, integer, text } from '../../src/util/cli-options.js';
import { defaultSpec, testbedDown, testbedUp } from './testbed.js';

// Both end up in interface, namespace and nftables names (15 bytes at most) and addresses: checked before any use.
const prefixOption = custom('prefix of every name the testbed makes', 'P', (v) => {
  if (!/^[a-z][a-z0-9]{0,5}$/.test(v)) throw new Error('takes 1 to 6 lower-case letters and digits, starting with a letter');
  return v;
}, { defaultText: defaultSpec().prefix });
const subnetOption = custom('first three octets of the hosts\' /24', 'A.B.C', (v) => {
  const parts = v.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`takes A.B.C (three octets), got ${JSON.stringify(v.slice(0, 40))}`);
  return v;
}, { defaultText: defaultSpec().subnet });

const UP_CLI = defineCli({
  program: 'testbed:up',
  usage: 'npm run testbed:up -- [options]   (node dist/deploy/testbed/cli.js up [options])',
  summary: 'As root: N "machines" (network namespaces with sshd) on one bridge, and an inventory that lists them.',
  options: {
    hosts: integer('how many machines', { min: 1, max: 200, default: 5 }),
    inventory: text('inventory file to write', { placeholder: 'FILE', default: 'inventory.json' }),
    prefix: prefixOption,
    subnet: subnetOption,
  },
});

const DOWN_CLI = defineCli({
  program: 'testbed:down',
  usage: 'npm run testbed:down -- [options]   (node dist/deploy/testbed/cli.js down [options])',
  summary: 'As root: removes every namespace, interface, process and state folder the testbed with this prefix made.',
  options: { prefix: prefixOption },
});

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const log = (s: string): void => console.log(s);
  const started = Date.now();
  if (cmd === 'up') {
    const r = parseCli(UP_CLI, rest);
    if (r.help) return usage(formatUsage(UP_CLI));
    const spec = defaultSpec({ prefix: r.values.prefix, subnet: r.values.subnet });
    const file = r.values.inventory;
    const inv = await testbedUp(spec, r.values.hosts, file, log);
    console.log(`testbed up: ${inv.hosts.length} hosts on ${spec.subnet}.0/24, inventory written to ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return 0;
  }
  if (cmd === 'down') {
    const r = parseCli(DOWN_CLI, rest);
    if (r.help) return usage(formatUsage(DOWN_CLI));
    const spec = defaultSpec({ prefix: r.values.prefix });
    await testbedDown(spec, log);
    console.log(`testbed down: no namespace, interface, process or state dir of '${spec.prefix}' left`);
    return 0;
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') return usage(`${formatUsage(UP_CLI)}\n\n${formatUsage(DOWN_CLI)}`);
  throw new CliUsageError(cmd === undefined ? 'say up or down' : `unknown command '${cmd.slice(0, 60).replace(/[^\x20-\x7e]/g, '?')}' (up or down)`);
}

function usage(text: string): number {
  console.log(text);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const cmd = process.argv[2];
    const program = cmd === 'up' || cmd === 'down' ? `testbed:${cmd}` : 'testbed';
    console.error(err instanceof CliUsageError ? formatUsageError(program, err.message) : (err as Error).message);
    process.exit(2);
  },
);
