// npm run testbed:up -- --hosts N [--inventory FILE] [--prefix P --subnet A.B.C]   |   npm run testbed:down
import { defaultSpec, testbedDown, testbedUp } from './testbed.js';

const USAGE = `usage: node dist/deploy/testbed/cli.js up --hosts N [--inventory FILE (default inventory.json)] [--prefix P] [--subnet A.B.C]
       node dist/deploy/testbed/cli.js down [--prefix P]`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--') || rest[i + 1] === undefined) throw new Error(`bad arguments near '${rest[i]}'\n${USAGE}`);
    flags.set(rest[i].slice(2), rest[i + 1]);
  }
  for (const k of flags.keys()) if (!['hosts', 'inventory', 'prefix', 'subnet'].includes(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const spec = defaultSpec({ prefix: flags.get('prefix'), subnet: flags.get('subnet') });
  const log = (s: string): void => console.log(s);
  const started = Date.now();
  if (cmd === 'up') {
    const n = Number(flags.get('hosts') ?? '5');
    const file = flags.get('inventory') ?? 'inventory.json';
    const inv = await testbedUp(spec, n, file, log);
    console.log(`testbed up: ${inv.hosts.length} hosts on ${spec.subnet}.0/24, inventory written to ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return 0;
  }
  if (cmd === 'down') {
    await testbedDown(spec, log);
    console.log(`testbed down: no namespace, interface, process or state dir of '${spec.prefix}' left`);
    return 0;
  }
  throw new Error(USAGE);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(2);
  },
);
