/**
 * Glance's interoperable import and multi-store calls: import methods and
 * stores (/v2/info/…), POST /v2/images/{id}/import, an image's tasks, and
 * deleting an image's data from one store. Staging is ImagesApi.upload with
 * `stage` (the same streamed, hashed PUT as an upload).
 */
import type { HttpSession } from '../http/session.js';
import type { ImagesApi } from './glance.js';
import { checkRecord, checkRecordList, type FieldSpec } from './shape.js';

/** The body of POST /v2/images/{id}/import. */
export interface ImportBody {
  method: {
    name: string;
    uri?: string;
    glance_image_id?: string;
    glance_region?: string;
    glance_service_interface?: string;
  };
  stores?: string[];
  all_stores?: boolean;
  all_stores_must_succeed?: boolean;
}

/** One store of GET /v2/info/stores (detail adds type, weight and properties). */
export interface Store {
  id: string;
  description?: string;
  default?: unknown;
  type?: string;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Whether a store is the default one: Glance says `"default": "true"` (a string), newer ones may send a boolean. */
export function isDefaultStore(store: Store): boolean {
  return store.default === true || String(store.default).toLowerCase() === 'true';
}

/** A Glance task (GET /v2/tasks/{id}, or one of GET /v2/images/{id}/tasks). */
export interface Task {
  id: string;
  type: string;
  status: string;
  message?: string | null;
  owner?: string | null;
  request_id?: string | null;
  image_id?: string | null;
  created_at?: string;
  updated_at?: string;
  [key: string]: unknown;
}

export const TASK_FIELDS: FieldSpec = {
  id: 'string', type: 'string', status: 'string', message: 'string?', owner: 'string?',
  request_id: 'string?', image_id: 'string?', created_at: 'string?', updated_at: 'string?',
};
// `default` is not checked: Glance sends it as the string 'true' (see isDefaultStore).
const STORE_FIELDS: FieldSpec = { id: 'string', description: 'string?', type: 'string?', properties: 'object?' };

/** Import, stores and image tasks, on the session and endpoint of an {@link ImagesApi}. */
export class ImportApi {
  private constructor(
    private readonly session: HttpSession,
    private readonly root: string,
  ) {}

  static of(images: ImagesApi): ImportApi {
    return new ImportApi(images.session, images.root);
  }

  private url(path: string): string {
    return `${this.root}/v2/${path}`;
  }

  /** GET /v2/info/import: the import methods the cloud offers. */
  async importMethods(signal?: AbortSignal): Promise<string[]> {
    const body = checkRecord<{ 'import-methods': Record<string, unknown> }>(
      await this.session.json<unknown>({ method: 'GET', url: this.url('info/import'), signal }),
      '',
      { 'import-methods': 'object' },
    );
    const methods = checkRecord<{ value: unknown[] }>(body['import-methods'], 'import-methods', { value: 'list' }).value;
    return methods.map((m) => String(m));
  }

  /** GET /v2/info/stores, or /v2/info/stores/detail (admin only). 404: the cloud has a single store. */
  async stores(detail: boolean, signal?: AbortSignal): Promise<Store[]> {
    const body = await this.session.json<unknown>({
      method: 'GET',
      url: this.url(detail ? 'info/stores/detail' : 'info/stores'),
      context: 'Failed to list stores',
      signal,
    });
    return checkRecordList<Store>(body, 'stores', STORE_FIELDS);
  }

  /**
   * POST /v2/images/{id}/import (202). Not retried: a second import of the
   * same image is refused (409) or starts another task. Returns the request
   * id, which the import task records as its own.
   */
  async start(id: string, body: ImportBody, signal?: AbortSignal): Promise<string | undefined> {
    const res = await this.session.send({
      method: 'POST',
      url: this.url(`images/${encodeURIComponent(id)}/import`),
      json: body,
      context: `Failed to import image ${id}`,
      signal,
    });
    return res.requestId;
  }

  /** GET /v2/images/{id}/tasks: the image's import tasks, oldest first. */
  async imageTasks(id: string, signal?: AbortSignal): Promise<Task[]> {
    const body = await this.session.json<unknown>({ method: 'GET', url: this.url(`images/${encodeURIComponent(id)}/tasks`), signal });
    const tasks = checkRecordList<Task>(body, 'tasks', TASK_FIELDS);
    return tasks.sort((a, b) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')));
  }

  /** DELETE /v2/stores/{store}/{id}: removes the image's data from one store (204). */
  async deleteFromStore(store: string, id: string, signal?: AbortSignal): Promise<void> {
    await this.session.send({
      method: 'DELETE',
      url: this.url(`stores/${encodeURIComponent(store)}/${encodeURIComponent(id)}`),
      context: `Failed to delete image ${id} from store '${store}'`,
      signal,
    });
  }
}
