/**
 * The one check of what Keystone and Glance send back: JSON of the wrong
 * shape (`{"images": {}}`, `{"token": []}`, an image that is a string) stops
 * at the service boundary with one line naming what was wrong, instead of
 * surfacing later as a TypeError deep inside a command.
 *
 * Only what img relies on is checked; anything else the server adds is
 * passed through untouched (extra image properties, unknown token fields).
 */
import { ImgError } from '../errors.js';

type Json = Record<string, unknown>;
type Service = 'Glance' | 'Keystone' | 'the identity provider';

/** `a list`, `null`, `a string`… for an error message. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error for a response of the wrong shape: `unexpected response from Glance: "images" is not a list`. */
function unexpected(service: Service, what: string): ImgError {
  return new ImgError(`unexpected response from ${service}: ${what}`);
}

type Expected = 'string' | 'number' | 'boolean' | 'list' | 'object';

function hasKind(value: unknown, expected: Expected): boolean {
  if (expected === 'list') return Array.isArray(value);
  if (expected === 'object') return isObject(value);
  return typeof value === expected;
}

/**
 * Checks `obj[key]` is of the `expected` kind; `null` and absence are
 * accepted when `optional`. `where` is the JSON path of `obj` in messages.
 */
function field(service: Service, obj: Json, key: string, where: string, expected: Expected, optional: boolean): void {
  const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
  if ((value === undefined || value === null) && optional) return;
  if (!hasKind(value, expected)) {
    const article = expected === 'object' ? 'an' : 'a';
    throw unexpected(service, `"${where}${key}" is ${value === undefined ? 'missing' : kindOf(value)}, not ${article} ${expected}`);
  }
}

const IMAGE_STRINGS = [
  'name', 'status', 'visibility', 'checksum', 'os_hash_algo', 'os_hash_value', 'disk_format', 'container_format',
  'owner', 'created_at', 'updated_at', 'file', 'self', 'schema',
];
const IMAGE_NUMBERS = ['size', 'virtual_size', 'min_disk', 'min_ram'];
const IMAGE_BOOLEANS = ['protected', 'os_hidden'];

/**
 * `value` as a Glance image, after checking that it is an object with a
 * string `id` and that the attributes img reads have their documented types
 * (strings, numbers, booleans, or null; `tags` a list of strings, an empty
 * one when absent). `where` names it in the message (`images[3]`).
 * Throws an {@link ImgError} (exit 1) otherwise.
 */
export function checkImage<T>(value: unknown, where = 'the image'): T {
  if (!isObject(value)) throw unexpected('Glance', `${where} is ${kindOf(value)}, not an image object`);
  const prefix = where === 'the image' ? '' : `${where}.`;
  field('Glance', value, 'id', prefix, 'string', false);
  for (const key of IMAGE_STRINGS) field('Glance', value, key, prefix, 'string', true);
  for (const key of IMAGE_NUMBERS) field('Glance', value, key, prefix, 'number', true);
  for (const key of IMAGE_BOOLEANS) field('Glance', value, key, prefix, 'boolean', true);
  field('Glance', value, 'tags', prefix, 'list', true);
  const tags = Object.hasOwn(value, 'tags') ? value['tags'] : undefined;
  if (Array.isArray(tags)) {
    const bad = tags.findIndex((t) => typeof t !== 'string');
    if (bad >= 0) throw unexpected('Glance', `"${prefix}tags[${bad}]" is ${kindOf(tags[bad])}, not a string`);
  } else {
    // Every Glance sends tags; an image without them is treated as having none.
    value['tags'] = [];
  }
  return value as T;
}

/**
 * One page of GET /v2/images: an object whose `images` is a list of images
 * (each checked with {@link checkImage}) and whose `next`, if any, is a string.
 */
export function checkImagePage<T>(value: unknown): { images: T[]; next?: string } {
  if (!isObject(value)) throw unexpected('Glance', `the image list is ${kindOf(value)}, not an object`);
  const images = Object.hasOwn(value, 'images') ? value['images'] : undefined;
  if (!Array.isArray(images)) throw unexpected('Glance', `"images" is ${images === undefined ? 'missing' : `${kindOf(images)}, not a list`}`);
  field('Glance', value, 'next', '', 'string', true);
  const next = typeof value['next'] === 'string' ? value['next'] : undefined;
  return { images: images.map((image, i) => checkImage<T>(image, `images[${i}]`)), next };
}

/**
 * The body of a Keystone v3 token response: `token` an object with a string
 * `expires_at`, a `user` with a string `id`, optional `project`/`domain`
 * with string ids, and an optional `catalog` list of services (string
 * `type`, `endpoints` a list of objects with string `interface` and `url`).
 */
export function checkTokenBody<T>(value: unknown): { token: T } {
  if (!isObject(value)) throw unexpected('Keystone', `the token response is ${kindOf(value)}, not an object`);
  field('Keystone', value, 'token', '', 'object', false);
  const token = value['token'] as Json;
  field('Keystone', token, 'expires_at', 'token.', 'string', false);
  field('Keystone', token, 'methods', 'token.', 'list', true);
  field('Keystone', token, 'user', 'token.', 'object', false);
  field('Keystone', token['user'] as Json, 'id', 'token.user.', 'string', false);
  for (const scope of ['project', 'domain']) {
    field('Keystone', token, scope, 'token.', 'object', true);
    if (isObject(token[scope])) field('Keystone', token[scope], 'id', `token.${scope}.`, 'string', false);
  }
  field('Keystone', token, 'catalog', 'token.', 'list', true);
  const catalog = Array.isArray(token['catalog']) ? token['catalog'] : [];
  catalog.forEach((service: unknown, i) => {
    const at = `token.catalog[${i}]`;
    if (!isObject(service)) throw unexpected('Keystone', `"${at}" is ${kindOf(service)}, not an object`);
    field('Keystone', service, 'type', `${at}.`, 'string', false);
    field('Keystone', service, 'endpoints', `${at}.`, 'list', false);
    (service['endpoints'] as unknown[]).forEach((endpoint, j) => {
      const ep = `${at}.endpoints[${j}]`;
      if (!isObject(endpoint)) throw unexpected('Keystone', `"${ep}" is ${kindOf(endpoint)}, not an object`);
      field('Keystone', endpoint, 'interface', `${ep}.`, 'string', false);
      field('Keystone', endpoint, 'url', `${ep}.`, 'string', false);
      field('Keystone', endpoint, 'region', `${ep}.`, 'string', true);
      field('Keystone', endpoint, 'region_id', `${ep}.`, 'string', true);
    });
  });
  return value as { token: T };
}

/**
 * An OpenID Connect discovery document: an object whose `token_endpoint` is
 * a string and `grant_types_supported` a list, where present.
 */
export function checkDiscoveryDocument(value: unknown): { token_endpoint?: string; grant_types_supported?: unknown[] } {
  const who = 'the identity provider';
  if (!isObject(value)) throw unexpected(who, `the discovery document is ${kindOf(value)}, not an object`);
  field(who, value, 'token_endpoint', '', 'string', true);
  field(who, value, 'grant_types_supported', '', 'list', true);
  return value as { token_endpoint?: string; grant_types_supported?: unknown[] };
}

/** The token endpoint's answer: an object with the string `key` (`access_token` or `id_token`). */
export function checkIdpToken(value: unknown, key: 'access_token' | 'id_token'): string {
  const who = 'the identity provider';
  if (!isObject(value)) throw unexpected(who, `the token response is ${kindOf(value)}, not an object`);
  field(who, value, key, '', 'string', false);
  return value[key] as string;
}

/**
 * A Glance image member (POST/GET/PUT …/members[/{member}]): an object whose
 * `member_id`, `image_id`, `status`, `created_at` and `updated_at` are
 * strings (`schema` too, when present). `where` names it in the message.
 */
export function checkMember<T>(value: unknown, where = 'the member'): T {
  if (!isObject(value)) throw unexpected('Glance', `${where} is ${kindOf(value)}, not a member object`);
  const prefix = where === 'the member' ? '' : `${where}.`;
  for (const key of ['member_id', 'image_id', 'status', 'created_at', 'updated_at']) field('Glance', value, key, prefix, 'string', false);
  field('Glance', value, 'schema', prefix, 'string', true);
  return value as T;
}

/** GET /v2/images/{id}/members: an object whose `members` is a list of members ({@link checkMember}). */
export function checkMemberList<T>(value: unknown): T[] {
  if (!isObject(value)) throw unexpected('Glance', `the member list is ${kindOf(value)}, not an object`);
  field('Glance', value, 'members', '', 'list', false);
  return (value['members'] as unknown[]).map((m, i) => checkMember<T>(m, `members[${i}]`));
}

/**
 * A Keystone v3 project or domain list (`key` is `projects` or `domains`):
 * a list of objects with a string `id` and `name` (and `domain_id` when present).
 */
export function checkIdentityList<T>(value: unknown, key: 'projects' | 'domains'): T[] {
  if (!isObject(value)) throw unexpected('Keystone', `the ${key} list is ${kindOf(value)}, not an object`);
  field('Keystone', value, key, '', 'list', false);
  return (value[key] as unknown[]).map((item, i) => checkIdentityEntity<T>(item, `${key}[${i}]`));
}

/** One Keystone project or domain (`{"project": {…}}` unwrapped by the caller): string `id` and `name`. */
export function checkIdentityEntity<T>(value: unknown, where: string): T {
  if (!isObject(value)) throw unexpected('Keystone', `"${where}" is ${kindOf(value)}, not an object`);
  field('Keystone', value, 'id', `${where}.`, 'string', false);
  field('Keystone', value, 'name', `${where}.`, 'string', false);
  field('Keystone', value, 'domain_id', `${where}.`, 'string', true);
  return value as T;
}

/** What {@link checkRecord} checks: each field's kind, `kind?` when it may be null or absent. */
export type FieldSpec = Record<string, Expected | `${Expected}?`>;

/**
 * `value` as a Glance record (a store, a task, a cache entry…): an object
 * whose fields in `spec` have their kinds. `where` names it in messages
 * (`tasks[2]`, or `` for a top-level body such as a task).
 */
export function checkRecord<T>(value: unknown, where: string, spec: FieldSpec): T {
  if (!isObject(value)) throw unexpected('Glance', `${where || 'the response'} is ${kindOf(value)}, not an object`);
  for (const [key, kind] of Object.entries(spec)) {
    field('Glance', value, key, where ? `${where}.` : '', kind.replace('?', '') as Expected, kind.endsWith('?'));
  }
  return value as T;
}

/** `value[key]` as a list of records, each checked with {@link checkRecord}. */
export function checkRecordList<T>(value: unknown, key: string, spec: FieldSpec): T[] {
  if (!isObject(value)) throw unexpected('Glance', `the ${key} list is ${kindOf(value)}, not an object`);
  const list = Object.hasOwn(value, key) ? value[key] : undefined;
  if (!Array.isArray(list)) throw unexpected('Glance', `"${key}" is ${list === undefined ? 'missing' : `${kindOf(list)}, not a list`}`);
  return list.map((item, i) => checkRecord<T>(item, `${key}[${i}]`, spec));
}
