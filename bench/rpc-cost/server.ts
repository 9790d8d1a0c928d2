// Child process of bench/rpc-cost/cli.ts: the project's XML-RPC server alone, with an addEntry that answers true, so
// its CPU per call is the request/response path and nothing else. Prints its port, exits on SIGTERM.
import { startRpcServer } from '../../src/rpc/server.js';
import { silentLogger } from '../../src/util/logger.js';

const srv = await startRpcServer({
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: 1 << 20,
  logger: silentLogger,
  handlers: { addEntry: async (p) => typeof p[0] === 'string' },
});
process.stdout.write(`${srv.port}\n`);
process.once('SIGTERM', () => {
  void srv.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
