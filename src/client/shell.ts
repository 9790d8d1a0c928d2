// The interactive mode, like the sibling systems' shells: one command per line, from a terminal or piped stdin.
// Lines are handled strictly one after another (a piped script runs in order), and the shell ends at EOF or quit.
import readline from 'node:readline';
import { RaftClient, type RaftClientOptions } from './raft-client.js';
import { addCommand, describeFailure, getCommand, leaderCommand, setCommand, statusCommand, suspendCommand, type Print } from './commands.js';
import { splitHostPort } from '../util/host-port.js';

export const SHELL_HELP = `commands:
  connect HOST:PORT   talk to the cluster through this node (its leader hint is followed)
  getleader           the current leader
  setval KEY VALUE    set a key (VALUE is the rest of the line)
  getval KEY          read a key (linearizable, through the leader)
  add DATA            add an entry (DATA is the rest of the line)
  status              table of every node
  suspend SECONDS     suspend the connected node (or, if none, the leader)
  help                this text
  quit                leave (so does EOF)`;

export interface ShellOptions {
  nodes: string[];
  clientOptions: RaftClientOptions;
  input: NodeJS.ReadableStream;
  out: Print;
  err: Print;
  /** Show a prompt (only when a person is typing). */
  prompt: boolean;
}

/** Runs until quit or EOF; returns 0, or 1 if any command failed (so a piped script can be checked). */
export async function runShell(opts: ShellOptions): Promise<number> {
  let nodes = opts.nodes;
  let connected: string | null = null;
  let client = new RaftClient(nodes, opts.clientOptions);
  const rl = readline.createInterface({ input: opts.input, terminal: false });
  const prompt = (): void => {
    if (opts.prompt) process.stdout.write('raft> ');
  };
  let lastCode = 0;
  let anyFailed = false;
  prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) {
        prompt();
        continue;
      }
      const [cmd, ...args] = line.split(/\s+/);
      const restOfLine = (n: number): string => line.split(/\s+/).slice(n).join(' ');
      const ctx = { client, nodes, out: opts.out, err: opts.err };
      const word = cmd.toLowerCase();
      if (word === 'quit' || word === 'exit') break;
      try {
        switch (word) {
          case 'help':
            opts.out(SHELL_HELP);
            lastCode = 0;
            break;
          case 'connect': {
            if (args.length !== 1) throw new Error('usage: connect HOST:PORT');
            splitHostPort(args[0], 'connect');
            client.close();
            connected = args[0];
            nodes = [args[0]];
            client = new RaftClient(nodes, opts.clientOptions);
            opts.out(`connected to ${connected}`);
            lastCode = 0;
            break;
          }
          case 'getleader':
            lastCode = await leaderCommand(ctx);
            break;
          case 'setval':
            if (args.length < 2) throw new Error('usage: setval KEY VALUE');
            lastCode = await setCommand(ctx, args[0], restOfLine(2));
            break;
          case 'getval':
            if (args.length !== 1) throw new Error('usage: getval KEY');
            lastCode = await getCommand(ctx, args[0]);
            break;
          case 'add':
            if (args.length < 1) throw new Error('usage: add DATA');
            lastCode = await addCommand(ctx, restOfLine(1), 1, 1);
            break;
          case 'status':
            lastCode = await statusCommand(ctx);
            break;
          case 'suspend': {
            if (args.length !== 1) throw new Error('usage: suspend SECONDS');
            const target = connected ?? (await client.findLeader());
            if (target === null) throw new Error('no node to suspend: connect HOST:PORT first (no leader found either)');
            lastCode = await suspendCommand(ctx, target, args[0]);
            break;
          }
          default:
            throw new Error(`unknown command '${cmd}' (try help)`);
        }
      } catch (e) {
        opts.err(`error: ${describeFailure(e)}`);
        lastCode = 1;
      }
      if (lastCode !== 0) anyFailed = true;
      prompt();
    }
  } finally {
    rl.close();
    client.close();
  }
  return anyFailed ? 1 : 0;
}
