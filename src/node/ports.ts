// Port checks for tools that start nodes: refuse early and clearly when a port is taken, and find free ones for tests.
import { createServer } from 'node:net';

/** True if nothing listens on host:port right now (we could bind it). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The subset of `ports` already taken on host. */
export async function takenPorts(host: string, ports: number[]): Promise<number[]> {
  const free = await Promise.all(ports.map((p) => portIsFree(host, p)));
  return ports.filter((_, i) => !free[i]);
}

/**
 * `count` consecutive free ports at a random base (random so that parallel test runs rarely collide).
 * Bounded: gives up after 50 tries.
 */
export async function findFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if ((await takenPorts(host, ports)).length === 0) return ports;
  }
  throw new Error(`no ${count} consecutive free ports found on ${host}`);
}
