/**
 * The pieces of undici img uses, loaded on their own. `import 'undici'`
 * evaluates its whole index (fetch, WebSocket, caches, mocks, proxies) at
 * every start, for a CLI whose typical run is one HTTP request; the Agent
 * and the request API are a small part of that cost (bench/RESULTS.md).
 * (undici has no "exports" map, so these paths are public to Node; the
 * version is pinned by package-lock.json.)
 */
import type { Dispatcher, buildConnector as Connector } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import connector from 'undici/lib/core/connect.js';
import requestApi from 'undici/lib/api/api-request.js';

// (llhttp's WebAssembly is compiled by V8's Liftoff alone: see scripts/bundle.mjs.)

export const Agent = AgentClass;

/** undici's socket connector (TCP/TLS), already loaded by the Agent. */
export const buildConnector = connector;

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

/** What a connector is called with, and what it calls back. */
export type ConnectOptions = Connector.Options;
export type ConnectCallback = Connector.Callback;
