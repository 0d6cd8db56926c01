// TLS end to end: bin/img against the fake cloud behind an HTTPS front
// (node:https, terminating TLS and forwarding to the fake over plain HTTP),
// with a throwaway CA, server and client certificates made by /usr/bin/openssl
// into a temporary directory at test time (no key is ever committed).
// Keystone (OS_AUTH_URL) and Glance (OS_IMAGE_URL) are reached through two such fronts,
// so each has its own TLS connection and handshake.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { runImg } from '../helpers/run-img.js';
import { describeRun, oneLine } from '../helpers/assertions.js';

const OPENSSL = '/usr/bin/openssl';
const INSECURE_WARNING = 'warning: TLS certificate verification is disabled (--insecure / OS_INSECURE)';

interface Seen {
  method: string;
  path: string;
  /** CN of the client certificate the front was shown, if any. */
  clientCN: string | undefined;
  authorized: boolean;
}

/** An HTTPS server forwarding every request to `target` (plain HTTP), recording what it saw. */
class TlsFront {
  readonly seen: Seen[] = [];
  readonly handshakeErrors: string[] = [];
  private constructor(private readonly server: https.Server, readonly url: string) {}

  static async start(target: string, tls: https.ServerOptions): Promise<TlsFront> {
    const to = new URL(target);
    const server = https.createServer(tls);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const front = new TlsFront(server, `https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      front.seen.push({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        clientCN: peer && typeof peer.subject?.CN === 'string' ? peer.subject.CN : undefined,
        authorized: socket.authorized,
      });
      const up = http.request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host }, agent: false },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    server.on('tlsClientError', (err) => front.handshakeErrors.push((err as NodeJS.ErrnoException).code ?? err.message));
    return front;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('TLS', () => {
  let cloud: FakeCloud;
  let dir: string;
  const pki = { ca: '', serverCert: '', serverKey: '', clientCert: '', clientKey: '', selfCert: '', selfKey: '', otherCa: '' };
  // Each pair: [Keystone's front, Glance's front].
  let front: TlsFront[]; // CA-signed server certificates, no client certificate asked for
  let selfSigned: TlsFront[]; // self-signed server certificates
  let mtls: TlsFront[]; // require a client certificate signed by the CA

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'img-tls-'));
    const f = (name: string) => path.join(dir, name);
    const ssl = (...args: string[]) => execFileSync(OPENSSL, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    // A CA, then a server certificate for the IP 127.0.0.1 and a client certificate, both signed by it.
    ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=img test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [who, cn] of [['server', '127.0.0.1'], ['client', 'img-test-client']] as const) {
      ssl('req', ...ec, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`), '-subj', `/CN=${cn}`);
      ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
        '-out', f(`${who}.pem`), '-days', '2', '-extfile', f(`${who}.ext`));
    }
    // A self-signed server certificate, and an unrelated CA.
    ssl('req', '-x509', ...ec, '-keyout', f('self.key'), '-out', f('self.pem'), '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1');
    ssl('req', '-x509', ...ec, '-keyout', f('other-ca.key'), '-out', f('other-ca.pem'), '-days', '2', '-subj', '/CN=another CA');
    Object.assign(pki, {
      ca: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key'),
      selfCert: f('self.pem'), selfKey: f('self.key'), otherCa: f('other-ca.pem'),
    });

    cloud = await FakeCloud.start();
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('cirros bytes'));
    const serverTls = { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) };
    const pair = (tls: https.ServerOptions) => Promise.all([TlsFront.start(cloud.url, tls), TlsFront.start(cloud.url, tls)]);
    front = await pair(serverTls);
    selfSigned = await pair({ key: readFileSync(pki.selfKey), cert: readFileSync(pki.selfCert) });
    mtls = await pair({ ...serverTls, ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true });
  });

  after(async () => {
    await Promise.all([...(front ?? []), ...(selfSigned ?? []), ...(mtls ?? [])].map((f) => f.close()));
    await cloud?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * `img list` with the admin openrc, Keystone behind `via[0]` and Glance behind `via[1]`;
   * returns what both fronts saw, Keystone's first.
   */
  async function list(via: TlsFront[], args: string[], extra: Record<string, string | undefined> = {}, direct = false) {
    const [ks, gl] = via as [TlsFront, TlsFront];
    const starts = [ks.seen.length, gl.seen.length];
    const r = await runImg([...args, 'list', '-f', 'value', '-c', 'Name'], {
      env: { ...cloud.env(), OS_AUTH_URL: `${ks.url}/identity/v3`, OS_IMAGE_URL: gl.url, ...extra },
      direct,
    });
    return { r, seen: [...ks.seen.slice(starts[0]), ...gl.seen.slice(starts[1])] };
  }

  /** Keystone's front got the token request, Glance's the list. */
  const SEEN_OK = ['POST /identity/v3/auth/tokens', 'GET /v2/images'];
  const paths = (seen: Seen[]) => seen.map((s) => `${s.method} ${s.path.replace(/\?.*/, '')}`);

  test('a CA the system does not know, no --os-cacert: exit 1, one TLS line naming --os-cacert, nothing sent', async () => {
    const { r, seen } = await list(front, []);
    assert.equal(r.code, 1, describeRun(r));
    assert.equal(r.stdout, '');
    assert.equal(oneLine(r), `POST ${front[0]!.url}/identity/v3/auth/tokens failed: TLS: unable to verify the certificate (use --os-cacert)`);
    assert.deepEqual(seen, []);
  });

  test('a self-signed server certificate, no --os-cacert: exit 1, one TLS line naming --os-cacert', async () => {
    const { r, seen } = await list(selfSigned, []);
    assert.equal(r.code, 1, describeRun(r));
    assert.equal(oneLine(r), `POST ${selfSigned[0]!.url}/identity/v3/auth/tokens failed: TLS: self-signed certificate (use --os-cacert, or --insecure)`);
    assert.deepEqual(seen, []);
  });

  test('the wrong CA in --os-cacert: still refused', async () => {
    const { r, seen } = await list(front, ['--os-cacert', pki.otherCa]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(oneLine(r), /^POST \S+ failed: TLS: .*--os-cacert/);
    assert.deepEqual(seen, []);
  });

  test('--os-cacert and OS_CACERT: Keystone and Glance both over verified TLS', async () => {
    for (const [args, extra] of [[['--os-cacert', pki.ca], {}], [[], { OS_CACERT: pki.ca }]] as const) {
      const { r, seen } = await list(front, [...args], extra);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'cirros\n');
      assert.equal(r.stderr, '');
      assert.deepEqual(paths(seen), SEEN_OK);
    }
    // The self-signed certificate given as its own CA works too.
    const { r } = await list(selfSigned, ['--os-cacert', pki.selfCert]);
    assert.equal(r.code, 0, describeRun(r));
  });

  // bin/img, run as a command, takes NODE_EXTRA_CA_CERTS out of Node's environment (Node 20 would
  // parse every root CA at start) and img trusts that file itself once TLS is used: the same trust.
  for (const direct of [true, false]) {
    const how = direct ? 'bin/img run as a command' : 'node bin/img';
    test(`NODE_EXTRA_CA_CERTS (${how}): its CA is trusted besides Node's, for Keystone and Glance`, async () => {
      const { r, seen } = await list(front, [], { NODE_EXTRA_CA_CERTS: pki.ca }, direct);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'cirros\n');
      assert.equal(r.stderr, '');
      assert.deepEqual(paths(seen), SEEN_OK);
    });

    test(`NODE_EXTRA_CA_CERTS naming another CA (${how}): refused as without it`, async () => {
      const { r, seen } = await list(front, [], { NODE_EXTRA_CA_CERTS: pki.otherCa }, direct);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(oneLine(r), /^POST \S+ failed: TLS: unable to verify the certificate \(use --os-cacert\)$/);
      assert.deepEqual(seen, []);
    });
  }

  test('NODE_EXTRA_CA_CERTS with --os-cacert: the CA bundle alone decides, as in Node', async () => {
    const { r } = await list(front, ['--os-cacert', pki.otherCa], { NODE_EXTRA_CA_CERTS: pki.ca }, true);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(oneLine(r), /^POST \S+ failed: TLS: .*--os-cacert/);
  });

  test('NODE_EXTRA_CA_CERTS naming a missing file: one warning, then the usual CAs', async () => {
    const missing = path.join(dir, 'no-such-ca.pem');
    const { r } = await list(front, ['--os-cacert', pki.ca], { NODE_EXTRA_CA_CERTS: missing }, true);
    // An explicit CA bundle wins, so the missing file is never even read.
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stderr, '');
    const plain = await list(front, [], { NODE_EXTRA_CA_CERTS: missing }, true);
    assert.equal(plain.r.code, 1, describeRun(plain.r));
    const lines = plain.r.stderr.split('\n').filter(Boolean);
    assert.deepEqual(lines.slice(0, 1), [`img: warning: ignoring extra certs from NODE_EXTRA_CA_CERTS '${missing}': ENOENT`]);
    assert.match(lines[1] ?? '', /^img: POST \S+ failed: TLS: unable to verify the certificate/);
    assert.equal(lines.length, 2);
  });

  test('--insecure and OS_INSECURE=true: success, with the warning on stderr', async () => {
    for (const [args, extra] of [[['--insecure'], {}], [[], { OS_INSECURE: 'true' }]] as const) {
      for (const via of [front, selfSigned]) {
        const { r, seen } = await list(via, [...args], extra);
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.stdout, 'cirros\n');
        assert.equal(oneLine(r), INSECURE_WARNING);
        assert.deepEqual(paths(seen), SEEN_OK);
      }
    }
  });

  test('a server that requires a client certificate, none given: exit 1 at once, one line naming --os-cert', async () => {
    const t0 = Date.now();
    const { r, seen } = await list(mtls, [], { OS_CACERT: pki.ca });
    assert.equal(r.code, 1, describeRun(r));
    assert.equal(oneLine(r),
      `POST ${mtls[0]!.url}/identity/v3/auth/tokens failed: TLS: the server requires a client certificate (use --os-cert and --os-key)`);
    assert.deepEqual(seen, []);
    assert.deepEqual(mtls[0]!.handshakeErrors.splice(0), ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'], 'one handshake: not retried');
    assert.ok(Date.now() - t0 < 5000);
  });

  test('an https:// URL for a plain HTTP service: exit 1, one line saying so', async () => {
    const r = await runImg(['list'], { env: { ...cloud.env(), OS_AUTH_URL: `${cloud.url.replace('http:', 'https:')}/identity/v3` } });
    assert.equal(r.code, 1, describeRun(r));
    assert.equal(oneLine(r),
      `POST ${cloud.url.replace('http:', 'https:')}/identity/v3/auth/tokens failed: TLS: the server does not speak TLS (an https:// URL for an http:// service?)`);
  });

  test('OS_CERT/OS_KEY (and --os-cert/--os-key): the client certificate shown to Keystone and to Glance', async () => {
    const variants: [string[], Record<string, string>][] = [
      [[], { OS_CACERT: pki.ca, OS_CERT: pki.clientCert, OS_KEY: pki.clientKey }],
      [['--os-cacert', pki.ca, '--os-cert', pki.clientCert, '--os-key', pki.clientKey], {}],
    ];
    for (const [args, extra] of variants) {
      const { r, seen } = await list(mtls, args, extra);
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, 'cirros\n');
      assert.equal(r.stderr, '');
      assert.deepEqual(paths(seen), SEEN_OK);
      // Two fronts, two TLS connections: Keystone and Glance each saw the client certificate.
      for (const s of seen) {
        assert.equal(s.clientCN, 'img-test-client', `${s.method} ${s.path}`);
        assert.equal(s.authorized, true);
      }
    }
  });

  test('a client certificate the server does not trust: exit 1, one line', async () => {
    // The self-signed server certificate as a client certificate: not signed by the CA mtls trusts.
    // Node's TLS server hangs up without an alert here (nginx or HAProxy would send "unknown CA"),
    // so all img can say is that the connection closed, each time it tries.
    const { r, seen } = await list(mtls, [], { OS_CACERT: pki.ca, OS_CERT: pki.selfCert, OS_KEY: pki.selfKey, IMG_RETRY_BASE_MS: '1' });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(oneLine(r), new RegExp(`^POST ${mtls[0]!.url}/identity/v3/auth/tokens failed: (connection closed unexpectedly|connection reset by peer|TLS: .*--os-cert.*)$`));
    assert.deepEqual(seen, []);
    mtls[0]!.handshakeErrors.splice(0);
  });
});
