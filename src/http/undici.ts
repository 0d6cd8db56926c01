/**
 * The pieces of undici img uses, loaded on their own. `import 'undici'`
 * evaluates its whole index (fetch, WebSocket, caches, mocks, proxies):
 * about 170 ms and 20 MB at every start, for a CLI whose typical run is one
 * HTTP request. The Agent and the request API cost a tenth of that.
 * (undici has no "exports" map, so these paths are public to Node; the
 * version is pinned by package-lock.json.)
 */
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import type { Agent as UndiciAgent, buildConnector as BuildConnector, Dispatcher } from 'undici';

// undici parses HTTP with llhttp compiled to WebAssembly. By default V8
// also recompiles it with TurboFan on background threads: about +35 MB of
// peak RSS and 150 ms of CPU in a process that makes one or two requests.
// The baseline (Liftoff) code is fast enough for HTTP framing, even for
// multi-GB transfers where the bytes are not parsed, only counted.
v8.setFlagsFromString('--liftoff-only');

const load = createRequire(import.meta.url);

export const Agent = load('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;

/** undici's socket connector (TCP/TLS), already loaded by the Agent. */
export const buildConnector = load('undici/lib/core/connect.js') as typeof BuildConnector;

const requestApi = load('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  opts: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

/** `undici.request(url, options)` on a given dispatcher, without loading undici's index. */
export function request(
  url: string,
  options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'> & { dispatcher: Dispatcher },
): Promise<Dispatcher.ResponseData> {
  const u = new URL(url);
  const { dispatcher, ...rest } = options;
  return requestApi.call(dispatcher, { ...rest, origin: u.origin, path: `${u.pathname}${u.search}` });
}

export type { Dispatcher };
