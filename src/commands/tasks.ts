import { dictColumn, isFormattable, listColumn, type Cell } from '../output/columns.js';
import { ImportApi, type Task } from '../services/glance-import.js';
import { TasksApi } from '../services/glance-tasks.js';
import type { CommandContext, CommandResult } from './context.js';
import { wholeNumber } from './parse.js';

interface TaskListOptions {
  type?: string;
  status?: string;
  sortKey?: string;
  sortDir?: string;
  limit?: string;
  marker?: string;
}

/** `img task list`: ID, Type, Status, Owner, as `openstack image task list`. */
export async function listTasks(ctx: CommandContext, opts: TaskListOptions): Promise<CommandResult> {
  const limit = opts.limit === undefined ? undefined : wholeNumber('--limit', opts.limit, 1);
  const api = TasksApi.of(await ctx.images());
  const tasks = await api.list(
    { type: opts.type, status: opts.status, sort_key: opts.sortKey, sort_dir: opts.sortDir, limit, marker: opts.marker },
    ctx.signal,
  );
  return { kind: 'list', columns: ['ID', 'Type', 'Status', 'Owner'], rows: tasks.map((t) => [t.id, t.type, t.status, t.owner ?? null]) };
}

/** The rows `openstack image task show` prints; every other attribute goes into `properties`. */
const TASK_SHOWN = ['created_at', 'expires_at', 'id', 'input', 'message', 'owner_id', 'result', 'status', 'type', 'updated_at'];
const NOT_TASK_PROPERTIES = new Set([...TASK_SHOWN, 'owner', 'self', 'schema']);

/** A task attribute as a cell: objects as dict columns, lists as list columns. */
function cellOf(v: unknown): Cell {
  if (v === undefined || v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return listColumn(v.map(String));
  if (isFormattable(v)) return v;
  return dictColumn(v as Record<string, unknown>);
}

/** `img task show ID`. */
export async function showTask(ctx: CommandContext, id: string): Promise<CommandResult> {
  const task = await TasksApi.of(await ctx.images()).get(id, ctx.signal);
  const info = new Map<string, Cell>();
  for (const f of TASK_SHOWN) info.set(f, cellOf(f === 'owner_id' ? task.owner : task[f]));
  info.set('properties', dictColumn(Object.fromEntries(Object.entries(task).filter(([k]) => !NOT_TASK_PROPERTIES.has(k)))));
  const fields = [...info.keys()].sort();
  return { kind: 'show', fields, values: fields.map((f) => info.get(f) ?? null) };
}

/** One line per task of an image, for `img show --show-tasks`: `<id> <type> <status>[: <message>]`. */
function taskLine(t: Task): string {
  return `${t.id} ${t.type} ${t.status}${t.message ? `: ${t.message}` : ''}`;
}

/** `img show IMAGE --show-tasks`: the image's fields with a `tasks` row (GET /v2/images/{id}/tasks). */
export async function withImageTasks(ctx: CommandContext, imageId: string, shown: CommandResult): Promise<CommandResult> {
  if (shown.kind !== 'show') return shown;
  const tasks = await ImportApi.of(await ctx.images()).imageTasks(imageId, ctx.signal);
  const info = new Map<string, Cell>(shown.fields.map((f, i) => [f, shown.values[i]]));
  info.set('tasks', listColumn(tasks.map(taskLine)));
  const fields = [...info.keys()].sort();
  return { kind: 'show', fields, values: fields.map((f) => info.get(f) ?? null) };
}
