// Glance's image JSON schema (glance/api/v2/images.py get_base_properties with
// default formats) and the error text jsonschema produces for it, so 400s from
// the fake read exactly like Glance's "Provided object does not match schema" errors.
import { pyRepr } from './fake-common.js';

type JsonType = 'null' | 'string' | 'integer' | 'boolean' | 'array';

interface PropSchema {
  type: JsonType[];
  enum?: (string | null)[];
  maxLength?: number;
  pattern?: string;
  items?: PropSchema;
}

const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];

const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';
const TAG_ITEM: PropSchema = { type: ['string'], maxLength: 255 };

// In schema order: jsonschema reports the first failing property in this order.
const PROPS: Record<string, PropSchema> = {
  id: { type: ['string'], pattern: UUID_PATTERN },
  name: { type: ['null', 'string'], maxLength: 255 },
  status: { type: ['string'], enum: ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] },
  visibility: { type: ['string'], enum: ['community', 'public', 'private', 'shared'] },
  protected: { type: ['boolean'] },
  os_hidden: { type: ['boolean'] },
  checksum: { type: ['null', 'string'], maxLength: 32 },
  os_hash_algo: { type: ['null', 'string'], maxLength: 64 },
  os_hash_value: { type: ['null', 'string'], maxLength: 128 },
  owner: { type: ['null', 'string'], maxLength: 255 },
  size: { type: ['null', 'integer'] },
  virtual_size: { type: ['null', 'integer'] },
  container_format: { type: ['null', 'string'], enum: [null, ...CONTAINER_FORMATS] },
  disk_format: { type: ['null', 'string'], enum: [null, ...DISK_FORMATS] },
  created_at: { type: ['string'] },
  updated_at: { type: ['string'] },
  tags: { type: ['array'], items: TAG_ITEM },
  direct_url: { type: ['string'] },
  min_ram: { type: ['integer'] },
  min_disk: { type: ['integer'] },
  self: { type: ['string'] },
  file: { type: ['string'] },
  stores: { type: ['string'] },
  schema: { type: ['string'] },
};

// pprint.pformat(schema, width=72), indented by 4, generated from the real Glance schema.
const SCHEMA_TEXT: Record<string, string> = {
  id: "    {'description': 'An identifier for the image',\n     'pattern': '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',\n     'type': 'string'}",
  name: "    {'description': 'Descriptive name for the image',\n     'maxLength': 255,\n     'type': ['null', 'string']}",
  status: "    {'description': 'Status of the image',\n     'enum': ['queued',\n              'saving',\n              'active',\n              'killed',\n              'deleted',\n              'uploading',\n              'importing',\n              'pending_delete',\n              'deactivated'],\n     'readOnly': True,\n     'type': 'string'}",
  visibility: "    {'description': 'Scope of image accessibility',\n     'enum': ['community', 'public', 'private', 'shared'],\n     'type': 'string'}",
  protected: "    {'description': 'If true, image will not be deletable.',\n     'type': 'boolean'}",
  os_hidden: "    {'description': 'If true, image will not appear in default image list '\n                    'response.',\n     'type': 'boolean'}",
  checksum: "    {'description': 'md5 hash of image contents.',\n     'maxLength': 32,\n     'readOnly': True,\n     'type': ['null', 'string']}",
  os_hash_algo: "    {'description': 'Algorithm to calculate the os_hash_value',\n     'maxLength': 64,\n     'readOnly': True,\n     'type': ['null', 'string']}",
  os_hash_value: "    {'description': 'Hexdigest of the image contents using the algorithm '\n                    'specified by the os_hash_algo',\n     'maxLength': 128,\n     'readOnly': True,\n     'type': ['null', 'string']}",
  owner: "    {'description': 'Owner of the image',\n     'maxLength': 255,\n     'type': ['null', 'string']}",
  size: "    {'description': 'Size of image file in bytes',\n     'readOnly': True,\n     'type': ['null', 'integer']}",
  virtual_size: "    {'description': 'Virtual size of image in bytes',\n     'readOnly': True,\n     'type': ['null', 'integer']}",
  container_format: "    {'description': 'Format of the container',\n     'enum': [None,\n              'ami',\n              'ari',\n              'aki',\n              'bare',\n              'ovf',\n              'ova',\n              'docker',\n              'compressed'],\n     'type': ['null', 'string']}",
  disk_format: "    {'description': 'Format of the disk',\n     'enum': [None,\n              'ami',\n              'ari',\n              'aki',\n              'vhd',\n              'vhdx',\n              'vmdk',\n              'raw',\n              'qcow2',\n              'vdi',\n              'iso',\n              'ploop'],\n     'type': ['null', 'string']}",
  created_at: "    {'description': 'Date and time of image registration',\n     'readOnly': True,\n     'type': 'string'}",
  updated_at: "    {'description': 'Date and time of the last image modification',\n     'readOnly': True,\n     'type': 'string'}",
  tags: "    {'description': 'List of strings related to the image',\n     'items': {'maxLength': 255, 'type': 'string'},\n     'type': 'array'}",
  direct_url: "    {'description': 'URL to access the image file kept in external store',\n     'readOnly': True,\n     'type': 'string'}",
  min_ram: "    {'description': 'Amount of ram (in MB) required to boot image.',\n     'type': 'integer'}",
  min_disk: "    {'description': 'Amount of disk space (in GB) required to boot image.',\n     'type': 'integer'}",
  self: "    {'description': 'An image self url', 'readOnly': True, 'type': 'string'}",
  file: "    {'description': 'An image file url', 'readOnly': True, 'type': 'string'}",
  stores: "    {'description': 'Store in which image data resides.  Only present when '\n                    'the operator has enabled multiple stores.  May be a '\n                    'comma-separated list of store identifiers.',\n     'readOnly': True,\n     'type': 'string'}",
  schema: "    {'description': 'An image schema url',\n     'readOnly': True,\n     'type': 'string'}",
  'tags.items': "    {'maxLength': 255, 'type': 'string'}",
  additionalProperties: "    {'type': 'string'}",
};

function typeOk(value: unknown, t: JsonType): boolean {
  switch (t) {
    case 'null': return value === null;
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
  }
}

/** The failing validator and its jsonschema message, or null when `value` satisfies `schema`. */
function check(value: unknown, schema: PropSchema): { validator: string; message: string; item?: number } | null {
  if (!schema.type.some((t) => typeOk(value, t))) {
    return { validator: 'type', message: `${pyRepr(value)} is not of type ${schema.type.map((t) => `'${t}'`).join(', ')}` };
  }
  if (schema.enum && !schema.enum.includes(value as string | null)) {
    return { validator: 'enum', message: `${pyRepr(value)} is not one of ${pyRepr(schema.enum)}` };
  }
  if (typeof value === 'string') {
    // Python counts code points, not UTF-16 units.
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
      return { validator: 'maxLength', message: `${pyRepr(value)} is too long` };
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      return { validator: 'pattern', message: `${pyRepr(value)} does not match ${pyRepr(schema.pattern)}` };
    }
  }
  if (schema.items && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = check(value[i], schema.items);
      if (r) return { ...r, item: i };
    }
  }
  return null;
}

const PREFIX = "Provided object does not match schema 'image': ";

/**
 * Validate an image body (or a PATCH's one-key partial) like glance.schema.Schema.validate.
 * Returns Glance's InvalidObject message, or null when valid.
 */
export function validateImageSchema(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return `${PREFIX}${pyRepr(body)} is not of type 'object'`;
  }
  const obj = body as Record<string, unknown>;
  for (const [key, schema] of Object.entries(PROPS)) {
    if (!(key in obj)) continue;
    const r = check(obj[key], schema);
    if (!r) continue;
    if (r.item !== undefined) {
      return `${PREFIX}${r.message}\n\nFailed validating '${r.validator}' in schema['properties']['${key}']['items']:\n${SCHEMA_TEXT[`${key}.items`]}\n\nOn instance['${key}'][${r.item}]:\n    ${pyRepr((obj[key] as unknown[])[r.item])}`;
    }
    return `${PREFIX}${r.message}\n\nFailed validating '${r.validator}' in schema['properties']['${key}']:\n${SCHEMA_TEXT[key]}\n\nOn instance['${key}']:\n    ${pyRepr(obj[key])}`;
  }
  // Everything not in the schema is an extra property and must be a string.
  for (const [key, value] of Object.entries(obj)) {
    if (key in PROPS || key === 'locations') continue;
    if (typeof value !== 'string') {
      return `${PREFIX}${pyRepr(value)} is not of type 'string'\n\nFailed validating 'type' in schema['additionalProperties']:\n${SCHEMA_TEXT.additionalProperties}\n\nOn instance[${pyRepr(key)}]:\n    ${pyRepr(value)}`;
    }
  }
  return null;
}
