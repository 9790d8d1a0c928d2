// The node program: `node dist/src/node/main.js --config FILE [--data-dir DIR] [--address-file FILE | --id HOST:PORT]
// [--listen HOST] [--log-level LEVEL] [--secrets DIR | --insecure]`. Security: src/security/node-security.ts. Prints `READY <id>` as stdout's first line once it serves RPCs.
// Exit codes: 0 after SIGTERM/SIGINT, 2 for a bad or missing configuration, an address not in it or a port in use
// (one line on stderr), 1 for anything else fatal (e.g. a corrupt write-ahead log).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRpcServer, type RpcServer } from '../rpc/server.js';
import { CorruptionError } from '../storage/corruption-error.js';
import { readNodeArgs } from './args.js';
import { ClientOps, RpcForwarder } from './client-ops.js';
import { clusterWarnings, ConfigError } from '../protocol/cluster-config.js';
import { loadClusterConfig, resolveSelf } from './config.js';
import { bareHost, joinHostPort, splitHostPort } from '../util/host-port.js';
import { makeHandlers, type NodeServices } from './handlers.js';
import { BATCHABLE_METHODS, PEER_METHODS } from '../security/methods.js';
import { MAX_BATCH_CALLS } from '../rpc/multicall.js';
import { createNodeLogger } from './node-logger.js';
import { buildRaftConfig, MAX_BODY_BYTES, MAX_CLIENT_BODY_BYTES, timing } from './node-setup.js';
import { NodeStorage } from '../storage/node-storage.js';
import { systemClock } from '../util/clock.js';
import { xmlRpcTransport } from './peer-transport.js';
import { NodeRuntime } from './runtime.js';
import { INSECURE_WARNING, setupNodeSecurity, type NodeSecurity } from '../security/node-security.js';
import { SecretsError } from '../security/secret-files.js';

function fail(code: number, msg: string): never {
  process.stderr.write(`${msg.split('\n')[0]}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  // Usage errors: one line `node: ... (try --help)`, exit 2; --help prints the usage and exits 0.
  const args = readNodeArgs(process.argv.slice(2));
  let cfg, id;
  try {
    cfg = loadClusterConfig(args.config);
    id = resolveSelf(cfg, { id: args.id, addressFile: args.addressFile });
  } catch (err) {
    if (err instanceof ConfigError) fail(2, `error: ${err.message}`);
    throw err;
  }
  const { host: idHost, port } = splitHostPort(id, 'id');
  // Bind host without IPv6 brackets ("[::1]" and "::1" both work for --listen).
  const host = args.listen === undefined ? idHost : bareHost(args.listen);
  try {
    mkdirSync(args.dataDir, { recursive: true });
  } catch (err) {
    fail(2, `error: cannot create data directory ${args.dataDir}: ${(err as Error).message}`);
  }
  const logger = createNodeLogger({ label: id, level: args.logLevel, file: join(args.dataDir, 'node.log') });
  let security: NodeSecurity;
  try {
    security = setupNodeSecurity({ self: id, members: cfg.nodes, settings: cfg.security, secretsDir: args.secretsDir, insecure: args.insecure, logger });
  } catch (err) {
    if (err instanceof SecretsError) fail(2, `error: ${err.message} (or run with --insecure, explicitly)`);
    throw err;
  }
  // One line in node.log and on the console (after READY), whatever the log level.
  if (args.insecure) (args.logLevel === 'error' ? logger.error : logger.warn)(INSECURE_WARNING);

  // The server comes up first: a port in use must fail before this process touches the data directory,
  // which may belong to the node already running there. Until storage is open, calls get a "starting" fault.
  let services: NodeServices | null = null;
  let server: RpcServer;
  try {
    server = await startRpcServer({
      host,
      port,
      maxBodyBytes: MAX_BODY_BYTES,
      maxClientBodyBytes: MAX_CLIENT_BODY_BYTES,
      logger,
      handlers: makeHandlers(() => services),
      // Calls only peers make: their connections and calls get priority over clients' (connection-guard.ts).
      peerMethods: new Set(PEER_METHODS.keys()),
      maxConnections: args.maxConnections,
      // Followers start doubting a leader whose heartbeats are late by the slack between the heartbeat interval and
      // the shortest election timeout: client calls are held back at half of that (connection-guard.ts).
      lagLimitMs: Math.max(20, Math.floor((cfg.electionTimeoutMs - cfg.heartbeatMs) / 2)),
      onSenderGone: (sender) => services?.runtime.senderConnectionsLost(sender),
      auth: security.auth,
      tls: security.tls,
      // Clients' reads and writes may come many to a request (our client library batches what it has in flight).
      multicall: { methods: BATCHABLE_METHODS, maxCalls: MAX_BATCH_CALLS },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') fail(2, `error: port ${port} on ${host} is already in use`);
    if (e.code === 'EADDRNOTAVAIL') fail(2, `error: cannot listen on ${joinHostPort(host, port)} (address not available here)`);
    fail(2, `error: cannot listen on ${joinHostPort(host, port)}: ${e.message}`);
  }

  let storage: NodeStorage;
  try {
    storage = await NodeStorage.open(args.dataDir, logger, { verifyInBackground: true });
  } catch (err) {
    // Damaged or inconsistent files: `fatal: corrupt <file> at byte offset N: <what>`; anything else (permissions...)
    // with the folder it was opening.
    const msg = err instanceof CorruptionError ? `fatal: ${err.message}` : `error: cannot open storage in ${args.dataDir}: ${(err as Error).message}`;
    logger.error(msg);
    await server.close();
    fail(1, msg);
  }

  const t = timing(cfg);
  const raft = buildRaftConfig(id, cfg, args.join);
  const runtime = new NodeRuntime({
    raft,
    tickMs: t.tickMs,
    maxElectionMs: t.maxElectionMs,
    storage,
    logger,
    clock: systemClock,
    knownNodes: cfg.nodes,
    transport: xmlRpcTransport({
      self: id,
      peers: cfg.nodes,
      tickMs: t.tickMs,
      maxElectionMs: t.maxElectionMs,
      maxInflightAppends: raft.maxInflightAppends,
      logger,
      clientOptions: security.peerClientOptions,
    }),
    onFatal: (err) => {
      logger.error(`fatal: ${err.message}`);
      process.stderr.write(`fatal: ${err.message}\n`);
      // Give winston a moment to write the file line; the process must not go on with a failed disk.
      setTimeout(() => process.exit(1), 100).unref();
    },
  });
  try {
    // Every raftlog line's checksum, checked in a worker while the runtime above rebuilt its state.
    await storage.verified();
  } catch (err) {
    const msg = `fatal: ${(err as Error).message}`;
    logger.error(msg);
    await server.close();
    fail(1, msg);
  }
  const ops = new ClientOps(runtime, {
    commitTimeoutMs: t.commitTimeoutMs,
    leaderWaitMs: t.maxElectionMs * 2,
    logger,
    forwarder: new RpcForwarder(security.forwardClientOptions),
  });
  runtime.setServerPause((p) => server.setPaused(p));
  services = { runtime, ops };
  runtime.start();
  process.stdout.write(`READY ${id}\n`);
  logger.consoleReady();
  for (const w of clusterWarnings(cfg)) logger.warn(w);
  logger.info(`serving XML-RPC on ${joinHostPort(host, server.port)}, data in ${args.dataDir}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      // A second signal means "now": the WAL is fsynced before every acknowledgement, so nothing acknowledged is lost.
      process.exit(0);
    }
    stopping = true;
    logger.info(`${signal}: stopping`);
    const hardStop = setTimeout(() => {
      logger.warn('clean stop took longer than 5 s; exiting anyway');
      process.exit(0);
    }, 5000);
    hardStop.unref();
    void (async () => {
      await server.close().catch(() => {});
      ops.close();
      await runtime.stop();
      logger.info('stopped cleanly');
      // Let the file transport flush its last lines.
      setTimeout(() => process.exit(0), 50);
    })().catch((err: unknown) => {
      process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
