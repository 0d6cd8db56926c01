import { ConfigError } from '../errors.js';
import { redactUrl } from '../http/redact.js';

/**
 * `raw` parsed as the base URL of an OpenStack API (Keystone, Glance), or a
 * {@link ConfigError} (exit 2) in one line saying what is wrong with it: not
 * a URL; a scheme other than http: and https: (`file:`, `javascript:`,
 * `data:`, …); no host. The URL is shown with any user name or password in
 * it masked ({@link redactUrl}). Used for every endpoint img is given or
 * finds: the auth URL, an image endpoint override, the service catalog's
 * image endpoint.
 *
 * @param what where the URL came from, to start the message (`OS_AUTH_URL`).
 * @param example a well-formed URL of the kind expected, for the message.
 */
export function endpointUrl(raw: string, what: string, example: string): URL {
  const bad = (problem: string) =>
    new ConfigError(`${what} '${redactUrl(raw)}' ${problem} (expected an http:// or https:// URL such as ${example})`);
  // What is written between `//` and the path, without any user:password@. The WHATWG parser
  // would take `http:///v3` as the host `v3`; Python's (the openstack client's) sees no host.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\\]*)/i.exec(raw)?.[1]?.replace(/^.*@/, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad(authority === '' || authority?.startsWith(':') ? 'has no host' : 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`has the scheme '${url.protocol}'`);
  if (authority === '' || authority?.startsWith(':') || !url.hostname) throw bad('has no host');
  return url;
}
