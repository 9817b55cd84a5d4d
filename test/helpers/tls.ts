// Throwaway TLS material for tests: a self-signed certificate for 127.0.0.1 made with
// openssl, usable by servers and clients alike (serverAuth and clientAuth).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Skip reason when openssl is missing; in CI (CI=true) its absence is a failure. */
export function opensslSkip(): string | false {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    if (process.env.CI === 'true') throw new Error('CI=true but openssl is missing');
    return 'openssl not installed';
  }
}

/** Writes cert.pem and key.pem into `dir` and returns their paths. */
export function makeSelfSignedCert(dir: string): { cert: string; key: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
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
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-addext',
      'extendedKeyUsage=serverAuth,clientAuth',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
