/**
 * A fault-injecting HTTP proxy for tests, on 127.0.0.1 port 0. It forwards
 * every request to one target origin (the fake cloud, or the real local
 * Glance) and applies the first matching rule:
 *
 *   status     answer with a status (503/429 bursts, an HTML 502…) instead of forwarding
 *   dropRequestAfter   read N bytes of the request body, then cut the connection
 *   dropResponseAfter  forward, but cut the connection after N bytes of the response body
 *              (the status line and headers have gone out by then, even with N = 0)
 *   dropResponse       forward, wait for the upstream answer, then cut the connection
 *              before a single byte of it: the server acted, the client never hears
 *   stallResponse      forward, then never answer (the server acted, the answer hangs)
 *   stall      accept the request and never answer (until the proxy closes)
 *   truncate   forward with the original Content-Length but only N body bytes, then end
 *   flipByte   forward the response with the byte at `offset` inverted
 *   redirect   answer 307 with Location `to` + the request path
 *   throttleRequest  read the request body at `bytesPerSecond` (reporting each
 *              step to `onBytes`), then forward it: a slow uplink
 *   streamThrottled  the same pace, but each byte is forwarded as it comes, so the
 *              upstream is mid-upload when the client stops (and sees its upload break off)
 *   cutRequestAfter  forward the request body as it comes, and after N bytes cut both
 *              connections: the upstream saw a partial upload, the client a reset
 *
 * Each rule applies `times` times (default: forever). Every request is
 * recorded with the bytes the proxy received, whatever happened to it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'dropRequestAfter'; bytes: number }
  | { kind: 'dropResponseAfter'; bytes: number }
  | { kind: 'dropResponse' }
  | { kind: 'stallResponse' }
  | { kind: 'stall' }
  | { kind: 'truncate'; bytes: number }
  | { kind: 'flipByte'; offset: number }
  | { kind: 'redirect'; to: string; status?: number }
  | { kind: 'throttleRequest'; bytesPerSecond: number; onBytes?: (received: number) => void }
  | { kind: 'streamThrottled'; bytesPerSecond: number; onBytes?: (received: number) => void }
  | { kind: 'cutRequestAfter'; bytes: number };

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Request body bytes the proxy received (all of them unless the fault cut it). */
  body: Buffer;
  /** Which fault was applied, if any. */
  fault?: Fault['kind'];
  /** When the request arrived (Date.now()). */
  at: number;
  /** Status the upstream answered with, once known (undefined when the proxy answered itself or it never came). */
  upstreamStatus?: number;
}

export interface FaultRule {
  /** Which requests this rule applies to (default: all). */
  match?: (req: { method: string; path: string }) => boolean;
  /** How many times it applies before it is spent (default: unlimited). */
  times?: number;
  fault: Fault;
}

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  private rules: FaultRule[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly target: URL,
    readonly url: string,
  ) {}

  /** Starts a proxy in front of `target` (an origin such as http://127.0.0.1:9292). */
  static async start(target: string): Promise<FaultProxy> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultProxy(server, new URL(target), `http://127.0.0.1:${port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => void proxy.handle(req, res));
    server.on('connection', (s) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    return proxy;
  }

  /** Adds a rule; rules are tried in the order they were added. */
  add(rule: FaultRule): this {
    this.rules.push({ ...rule });
    return this;
  }

  /** Removes every rule: from now on requests are forwarded untouched. */
  clear(): void {
    this.rules = [];
  }

  private pick(method: string, path: string): Fault | undefined {
    for (const rule of this.rules) {
      if (rule.times !== undefined && rule.times <= 0) continue;
      if (rule.match && !rule.match({ method, path })) continue;
      if (rule.times !== undefined) rule.times--;
      return rule.fault;
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = this.pick(method, path);
    const record: ProxiedRequest = { method, path, headers: req.headers, body: Buffer.alloc(0), fault: fault?.kind, at: Date.now() };
    this.requests.push(record);

    if (fault?.kind === 'dropRequestAfter') {
      const chunks: Buffer[] = [];
      let got = 0;
      req.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        record.body = Buffer.concat(chunks);
        if (got >= fault.bytes) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }
    if (fault?.kind === 'streamThrottled' || fault?.kind === 'cutRequestAfter') {
      await this.stream(req, res, record, fault);
      return;
    }
    const body = await (fault?.kind === 'throttleRequest'
      ? readSlowly(req, fault.bytesPerSecond, (n) => {
          fault.onBytes?.(n);
        })
      : readAll(req)
    ).catch(() => Buffer.alloc(0));
    record.body = body;
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'text/plain', ...(fault.headers ?? {}) });
      res.end(fault.body ?? '');
      return;
    }
    if (fault?.kind === 'stall') return; // never answered
    if (fault?.kind === 'redirect') {
      res.writeHead(fault.status ?? 307, { location: `${fault.to}${path}`, 'content-length': '0' });
      res.end();
      return;
    }

    const upstream = this.upstream(req, res, record, fault);
    upstream.end(body);
  }

  /** Forwards the request body to the upstream chunk by chunk, paced or cut short as `fault` says. */
  private async stream(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: ProxiedRequest,
    fault: Extract<Fault, { kind: 'streamThrottled' | 'cutRequestAfter' }>,
  ): Promise<void> {
    const upstream = this.upstream(req, res, record, fault);
    const chunks: Buffer[] = [];
    let got = 0;
    const started = Date.now();
    try {
      for await (const c of req) {
        let buf = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
        const cut = fault.kind === 'cutRequestAfter' && got + buf.length >= fault.bytes;
        if (cut) buf = buf.subarray(0, fault.bytes - got);
        chunks.push(buf);
        got += buf.length;
        record.body = Buffer.concat(chunks);
        if (!upstream.write(buf)) await new Promise((r) => upstream.once('drain', r));
        if (cut) {
          // Let the upstream have those bytes, then break both connections.
          await new Promise((r) => setTimeout(r, 50));
          upstream.destroy();
          req.socket.destroy();
          return;
        }
        if (fault.kind === 'streamThrottled') {
          fault.onBytes?.(got);
          const wait = started + (got / fault.bytesPerSecond) * 1000 - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }
      upstream.end();
    } catch {
      // The client went away mid-body: the upstream's upload breaks off too.
      upstream.destroy();
    }
  }

  /** The request to the target for `req`, relaying (and maybe mangling) its answer into `res`. */
  private upstream(req: http.IncomingMessage, res: http.ServerResponse, record: ProxiedRequest, fault: Fault | undefined): http.ClientRequest {
    const upstream = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: record.method,
        path: record.path,
        headers: { ...req.headers, host: this.target.host },
        // A fresh upstream connection per request: a pooled one may still carry a cut-off body.
        agent: false,
      },
      (up) => {
        record.upstreamStatus = up.statusCode;
        if (fault?.kind === 'dropResponse' || fault?.kind === 'stallResponse') {
          // The upstream's answer is read (so it completes its side) and thrown away.
          up.resume();
          if (fault.kind === 'dropResponse') up.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          let out = chunk;
          if (fault?.kind === 'flipByte' && fault.offset >= sent && fault.offset < sent + chunk.length) {
            out = Buffer.from(chunk);
            out[fault.offset - sent] = (out[fault.offset - sent] ?? 0) ^ 0xff;
          }
          if ((fault?.kind === 'truncate' || fault?.kind === 'dropResponseAfter') && sent + out.length >= fault.bytes) {
            res.write(out.subarray(0, Math.max(0, fault.bytes - sent)));
            sent = fault.bytes;
            up.destroy();
            // Truncate: end the message early (a short body); drop: cut the connection.
            if (fault.kind === 'truncate') res.socket?.end();
            else res.socket?.destroy();
            return;
          }
          sent += out.length;
          res.write(out);
        });
        up.on('end', () => res.end());
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    return upstream;
  }

  /** Closes the proxy and every connection (including stalled ones). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Reads `stream` in 64 KiB steps paced to `bytesPerSecond`; TCP backpressure slows the sender. */
async function readSlowly(stream: http.IncomingMessage, bytesPerSecond: number, onBytes: (n: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const step = 64 * 1024;
  const started = Date.now();
  for await (const c of stream) {
    const buf = Buffer.isBuffer(c) ? c : Buffer.from(c);
    chunks.push(buf);
    got += buf.length;
    onBytes(got);
    const due = started + (got / bytesPerSecond) * 1000;
    const wait = due - Date.now();
    if (wait > 0) {
      stream.pause();
      await new Promise((r) => setTimeout(r, Math.min(wait, (step / bytesPerSecond) * 1000 * 4)));
      stream.resume();
    }
  }
  return Buffer.concat(chunks);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}
