import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';

/**
 * A self-signed certificate for 127.0.0.1 (openssl), for clients that insist on https (the Kinde
 * management library prefixes its domain with https://). Returns the KEYHAVEN_TLS_* variables that
 * make a test server serve HTTPS, and makes this process's fetch trust the certificate.
 */
export function selfSignedTls(): { KEYHAVEN_TLS_CERT: string; KEYHAVEN_TLS_KEY: string } {
  const dir = mkdtempSync(join(tmpdir(), 'keyhaven-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  // Node's fetch reads undici's global dispatcher: trust this certificate (and only it, besides the defaults).
  setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(cert) } }));
  return { KEYHAVEN_TLS_CERT: cert, KEYHAVEN_TLS_KEY: key };
}
