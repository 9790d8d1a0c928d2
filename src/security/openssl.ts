// TLS material made with the `openssl` command (no hand-written cryptography): a cluster CA, and per node a key and a
// certificate signed by it whose subjectAltName is the node's host, so clients verify "this is that node" with the CA.
// EC P-256 keys: the handshakes are cheaper than RSA's.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsError } from './secret-files.js';

export interface Pem {
  key: string;
  cert: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new SecretsError('the openssl command is needed to make TLS certificates and was not found');
    const why = e.stderr?.toString('utf8').trim().split('\n')[0] ?? e.message;
    throw new SecretsError(`openssl ${args[0]} failed: ${why}`);
  }
}

/** Runs `fn` in a private temp folder (0700) that is removed afterwards, keys included. */
function inTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'raft-tls-'));
  chmodSync(dir, 0o700);
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function makeCa(name: string): Pem {
  return inTempDir((dir) => {
    openssl(
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key',
        '-out', 'ca.pem', '-days', '3650', '-subj', `/CN=${name.replace(/[/=\\]/g, '_')}`, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-addext', 'subjectKeyIdentifier=hash',
      ],
      dir,
    );
    return { key: readFileSync(join(dir, 'ca.key'), 'utf8'), cert: readFileSync(join(dir, 'ca.pem'), 'utf8') };
  });
}

/** A key and certificate for `host` (an IP address or a DNS name), signed by `ca`. */
export function makeNodeCert(ca: Pem, host: string): Pem {
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new SecretsError(`cannot make a certificate for host "${host}"`);
  const san = isIP(host) !== 0 ? `IP:${host}` : `DNS:${host}`;
  return inTempDir((dir) => {
    writeFileSync(join(dir, 'ca.key'), ca.key, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.pem'), ca.cert);
    writeFileSync(
      join(dir, 'ext.cnf'),
      `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n` +
        'extendedKeyUsage=serverAuth,clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n',
    );
    openssl(
      ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', `/CN=${host}`],
      dir,
    );
    openssl(
      [
        'x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(16).toString('hex')}`,
        '-days', '825', '-sha256', '-extfile', 'ext.cnf', '-out', 'node.pem',
      ],
      dir,
    );
    return { key: readFileSync(join(dir, 'node.key'), 'utf8'), cert: readFileSync(join(dir, 'node.pem'), 'utf8') };
  });
}
