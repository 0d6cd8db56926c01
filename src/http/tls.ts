/** TLS and the connection pool: CA bundle, client certificate and key, NODE_EXTRA_CA_CERTS, timeouts of a socket, and which failures are TLS failures. */
import { closeSync, constants as fsConstants, fstatSync, openSync, readFileSync } from 'node:fs';
import { Agent, buildConnector, type ConnectCallback, type ConnectOptions, type Dispatcher } from './undici.js';
import { ConfigError } from '../errors.js';
import { networkErrorCode } from './errors.js';

/** How img's connections are made: trust, client identity and timeouts. */
export interface ConnectionOptions {
  cacert?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  connectTimeoutMs?: number;
  /** Idle read/write timeout: no byte moving for this long fails the request. No total deadline. */
  idleTimeoutMs?: number;
  /**
   * A PEM file of CAs to trust besides Node's own, over TLS, when no CA
   * bundle is given: NODE_EXTRA_CA_CERTS, which bin/img takes out of Node's
   * environment (see there) and hands on. Read at the first TLS connection.
   */
  extraCaFile?: string;
  /** Receives warnings (one line, no `img:` prefix). */
  warn?: (message: string) => void;
}

/**
 * The content of a PEM file (CA bundle, client certificate or key). Only a
 * regular file is read: it is opened without blocking and checked on the
 * descriptor, so a FIFO or a device named there is refused at once (error
 * code ENOTREG) instead of hanging img or reading forever.
 */
function readPemFile(path: string): Buffer {
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`'${path}' is not a regular file`), { code: 'ENOTREG' });
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readOptionalFile(path: string | undefined, what: string, flag: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readPemFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    if (code === 'ENOTREG') throw new ConfigError(`${what} '${path}' (${flag}) is not a regular file`, { cause: err });
    throw new ConfigError(`Cannot read ${what} '${path}' (${flag}): ${code}`, { cause: err });
  }
}

/** The PEM text of NODE_EXTRA_CA_CERTS's file; like Node, a file that cannot be read is ignored with a warning. */
function readExtraCas(file: string, warn: ((message: string) => void) | undefined): string[] {
  try {
    return [readPemFile(file).toString('utf8')];
  } catch (err) {
    warn?.(`warning: ignoring extra certs from NODE_EXTRA_CA_CERTS '${file}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return [];
  }
}

/**
 * The undici Agent every request of a session goes through. Reads the CA
 * bundle, certificate and key now, so a missing file is a {@link ConfigError}
 * (exit 2) before any request; `--insecure` with a CA bundle is one too.
 * NODE_EXTRA_CA_CERTS is read only when the first https connection is made,
 * and only when neither a CA bundle nor `--insecure` is given.
 */
export function createAgent(opts: ConnectionOptions): Dispatcher {
  if (opts.insecure && opts.cacert) {
    throw new ConfigError('--insecure and --os-cacert (OS_CACERT) contradict each other: use one');
  }
  const idle = opts.idleTimeoutMs ?? 600_000;
  const tlsOptions = {
    ca: readOptionalFile(opts.cacert, 'CA bundle', '--os-cacert'),
    cert: readOptionalFile(opts.cert, 'client certificate', '--os-cert'),
    key: readOptionalFile(opts.key, 'client key', '--os-key'),
    rejectUnauthorized: !opts.insecure,
    timeout: opts.connectTimeoutMs ?? 10_000,
  };
  const connector = buildConnector(tlsOptions);
  // NODE_EXTRA_CA_CERTS semantics (Node's CAs plus the file's), set up once, when TLS is first used.
  const extraCaFile = opts.extraCaFile && !tlsOptions.ca && !opts.insecure ? opts.extraCaFile : undefined;
  let withExtraCas: Promise<typeof connector> | undefined;
  const connect = (options: ConnectOptions, callback: ConnectCallback): void => {
    if (extraCaFile === undefined || options.protocol !== 'https:') {
      connector(options, callback);
      return;
    }
    withExtraCas ??= import('node:tls').then((tls) =>
      buildConnector({ ...tlsOptions, ca: [...tls.rootCertificates, ...readExtraCas(extraCaFile, opts.warn)] }),
    );
    withExtraCas.then(
      (tlsConnector) => tlsConnector(options, callback),
      (err: Error) => callback(err, null),
    );
  };
  return new Agent({
    connect: (options, callback) => {
      connect(options, (...args) => {
        const socket = args[1];
        // A TLS alert that comes after the handshake (TLS 1.3 "certificate required", "unknown
        // CA"…) would reach undici's request as a bare "other side closed", as the end of the
        // stream follows it: end the socket with the alert, so the error says what happened.
        socket?.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code?.startsWith('ERR_SSL_') && !socket.destroyed) socket.destroy(err);
        });
        callback(...args);
      });
    },
    headersTimeout: idle,
    bodyTimeout: idle,
    keepAliveTimeout: 10_000,
  });
}

/**
 * True when `err` (or the network error inside it) is a TLS or certificate
 * failure: an untrusted or expired certificate, a handshake or protocol
 * error, a bad signature. Such a failure repeats on every attempt, so it is
 * never retried, and it proves no request reached the server. False for
 * anything without a network error code.
 */
export function isTlsFailure(err: unknown): boolean {
  const code = networkErrorCode(err);
  return !!code && (code.includes('CERT') || code.includes('TLS') || code.includes('SSL') || code.includes('SIGNATURE'));
}
