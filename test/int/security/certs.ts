// A throw-away certificate for TLS tests: one self-signed certificate for 127.0.0.1 (it is its
// own CA) with its unencrypted PKCS#8 key, made by openssl in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  dir: string;
  certFile: string;
  keyFile: string;
  /** The certificate is self-signed: it is also the CA to trust. */
  caFile: string;
  remove(): void;
}

export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'miroir-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  // openssl 3 writes the key as PKCS#8 ("BEGIN PRIVATE KEY"), which Kafka's PEM keystore reads.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  return {
    dir,
    certFile,
    keyFile,
    caFile: certFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
