import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away PKI for TLS tests: a self-signed CA and a server certificate it signed, valid for
 * 127.0.0.1, ::1 and localhost. Generated at test time with the `openssl` CLI (node:crypto makes keys but
 * not X.509 certificates); nothing is committed. EC P-256 keys keep generation fast (tens of ms).
 */
export interface TestPki {
  /** PEM of the CA certificate: what a client trusts (`https.Agent({ ca })`, a receiver's `caFile`). */
  readonly caCert: string;
  /** PEM of the server certificate (signed by the CA). */
  readonly serverCert: string;
  /** PEM of the server's private key. */
  readonly serverKey: string;
}

/** Creates a new CA and server certificate. Each call makes an independent CA (for "unknown CA" tests). */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'test-pki-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ca.key'));
    openssl(
      'req', '-x509', '-new', '-key', file('ca.key'), '-sha256', '-days', '2', '-subj', '/CN=test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-out', file('ca.crt'),
    );
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('server.key'));
    openssl('req', '-new', '-key', file('server.key'), '-subj', '/CN=localhost', '-out', file('server.csr'));
    writeFileSync(
      file('server.ext'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        '',
      ].join('\n'),
    );
    openssl(
      'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial',
      '-days', '2', '-sha256', '-extfile', file('server.ext'), '-out', file('server.crt'),
    );
    return {
      caCert: readFileSync(file('ca.crt'), 'utf8'),
      serverCert: readFileSync(file('server.crt'), 'utf8'),
      serverKey: readFileSync(file('server.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let shared: TestPki | undefined;

/** One PKI per test process, for tests that only need "some trusted server". */
export function sharedTestPki(): TestPki {
  shared ??= createTestPki();
  return shared;
}
