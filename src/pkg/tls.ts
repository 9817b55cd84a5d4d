// TLS options from etcd's cert/key/ca files (pkg/transport/listener.go TLSInfo): the key
// pair is required when either is given, a CA file turns on client certificate
// authentication for servers and is the trust root for clients. TLS 1.2 at least.
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';

export interface TlsInfo {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** etcd 3's --client-cert-auth: require client certs even without the 2.0 CA-file rule. */
  clientCertAuth?: boolean;
}

export function tlsInfoEmpty(info: TlsInfo): boolean {
  return info.certFile === '' && info.keyFile === '';
}

/** etcd logs "etcd: clientTLS: cert = ..., key = ..., ca = ...". */
export function tlsInfoString(info: TlsInfo): string {
  return `cert = ${info.certFile}, key = ${info.keyFile}, ca = ${info.caFile}`;
}

export interface ServerTlsOptions extends SecureContextOptions {
  requestCert: boolean;
  rejectUnauthorized: boolean;
  minVersion: 'TLSv1.2';
}

export interface ClientTlsOptions extends SecureContextOptions {
  minVersion: 'TLSv1.2';
}

function readPair(info: TlsInfo): { cert: Buffer; key: Buffer } {
  if (info.keyFile === '' || info.certFile === '') {
    throw new Error(
      `KeyFile and CertFile must both be present[key: ${info.keyFile}, cert: ${info.certFile}]`,
    );
  }
  return { cert: readFileSync(info.certFile), key: readFileSync(info.keyFile) };
}

/** Options for https.createServer / tls.createServer. */
export function serverTlsOptions(info: TlsInfo): ServerTlsOptions {
  const { cert, key } = readPair(info);
  const auth = info.caFile !== '';
  const opts: ServerTlsOptions = {
    cert,
    key,
    minVersion: 'TLSv1.2',
    requestCert: auth || info.clientCertAuth === true,
    rejectUnauthorized: auth || info.clientCertAuth === true,
  };
  if (auth) opts.ca = readFileSync(info.caFile);
  return opts;
}

/** Options for https.request / tls.connect (peer transport, proxy, discovery). */
export function clientTlsOptions(info: TlsInfo): ClientTlsOptions {
  const opts: ClientTlsOptions = { minVersion: 'TLSv1.2' };
  if (!tlsInfoEmpty(info)) {
    const { cert, key } = readPair(info);
    opts.cert = cert;
    opts.key = key;
  }
  if (info.caFile !== '') opts.ca = readFileSync(info.caFile);
  return opts;
}
