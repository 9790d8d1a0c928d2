// One port for TLS and plain HTTP: the first byte a client sends tells them apart (0x16 starts every TLS handshake
// record, a ClientHello; an HTTP request starts with a method name in ASCII). Members may call each other over plain
// HTTP (their calls and answers carry MACs) while clients keep TLS on the same port.
import type { Socket } from 'node:net';

/** The TLS record type of a handshake: the first byte of every ClientHello. */
const TLS_HANDSHAKE = 0x16;

/**
 * Waits for `raw`'s first bytes (at most `timeoutMs`; a connection that sends nothing is destroyed) and hands it over:
 * to `tls` with those bytes put back in front of its stream (TLSSocket reads what its socket has buffered), or to
 * `plain` along with them (Node's HTTP parser reads from the socket's handle directly and would not see bytes put
 * back, so `plain` must pass them to the parser itself, e.g. by emitting them as 'data' after 'connection').
 */
export function routeByFirstByte(raw: Socket, timeoutMs: number, tls: (s: Socket) => void, plain: (s: Socket, first: Buffer) => void): void {
  const timer = setTimeout(() => raw.destroy(), timeoutMs);
  timer.unref();
  const done = (): void => {
    clearTimeout(timer);
    raw.off('data', onData);
    raw.off('close', done);
  };
  const onData = (chunk: Buffer): void => {
    done();
    if (chunk[0] === TLS_HANDSHAKE) {
      raw.pause();
      raw.unshift(chunk);
      tls(raw);
    } else plain(raw, chunk);
  };
  raw.on('data', onData);
  raw.on('close', done);
  raw.on('error', () => raw.destroy());
  raw.resume();
}
