/** Glance tasks: GET /v2/tasks (every page, or one with a limit) and GET /v2/tasks/{id}. */
import { ImgError } from '../errors.js';
import type { HttpSession } from '../http/session.js';
import type { ImagesApi } from './glance.js';
import { TASK_FIELDS, type Task } from './glance-import.js';
import { checkRecord, checkRecordList } from './shape.js';

/** Query parameters of GET /v2/tasks. */
export interface TaskQuery {
  type?: string;
  status?: string;
  sort_key?: string;
  sort_dir?: string;
  /** With a limit, only one page is fetched (as for images). */
  limit?: number;
  marker?: string;
}

/** Most pages one task list follows: a `next` chain longer than this is a server that never ends it. */
const MAX_PAGES = 1000;

export class TasksApi {
  private constructor(
    private readonly session: HttpSession,
    private readonly root: string,
  ) {}

  static of(images: ImagesApi): TasksApi {
    return new TasksApi(images.session, images.root);
  }

  async list(query: TaskQuery, signal?: AbortSignal): Promise<Task[]> {
    const params = new URLSearchParams();
    for (const key of ['type', 'status', 'sort_key', 'sort_dir'] as const) {
      const v = query[key];
      if (v !== undefined) params.append(key, v);
    }
    if (query.limit !== undefined) params.append('limit', String(query.limit));
    const tasks: Task[] = [];
    const seen = new Set<string>();
    let marker = query.marker;
    for (let pages = 1; ; pages++) {
      if (marker !== undefined) params.set('marker', marker);
      const qs = params.toString();
      const body = await this.session.json<unknown>({ method: 'GET', url: `${this.root}/v2/tasks${qs ? `?${qs}` : ''}`, context: 'Failed to list tasks', signal });
      const page = checkRecordList<Task>(body, 'tasks', TASK_FIELDS);
      tasks.push(...page);
      const next = checkRecord<{ next?: string }>(body, '', { next: 'string?' }).next;
      if (query.limit !== undefined || !next || page.length === 0) return tasks;
      marker = new URL(next, this.root).searchParams.get('marker') ?? undefined;
      if (marker === undefined || seen.has(marker) || pages >= MAX_PAGES) {
        throw new ImgError(`Glance's task list does not end ('next' is ${next}); stopping`);
      }
      seen.add(marker);
    }
  }

  async get(id: string, signal?: AbortSignal): Promise<Task> {
    return checkRecord<Task>(
      await this.session.json<unknown>({ method: 'GET', url: `${this.root}/v2/tasks/${encodeURIComponent(id)}`, context: `Failed to show task ${id}`, signal }),
      '',
      TASK_FIELDS,
    );
  }
}
