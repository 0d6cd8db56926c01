import { UsageError } from '../errors.js';
import { attributePath, hasAttribute, type Image, type PatchOp } from '../services/glance.js';
import type { CommandContext, CommandResult } from './context.js';
import { imageShow } from './image-view.js';
import { shortcutProperties, type ShortcutOptions } from './shortcuts.js';
import { findShared, setMembership } from './members.js';
import { type MembershipOptions, type ProjectOptions, membershipFlag, projectOption } from './project-options.js';
import {
  type AttributeOptions,
  CONTAINER_FORMATS, DISK_FORMATS, checkPropertyKeys, keyValues, oneOf, onOff, visibilityFlag, wholeNumber,
} from './parse.js';

interface SetOptions extends AttributeOptions, ShortcutOptions, ProjectOptions, MembershipOptions {
  name?: string;
  unhidden?: boolean;
  deactivate?: boolean;
  activate?: boolean;
}

/** JSON-patch op that sets `key` to `value`: `replace` when the image has it, else `add`. */
function setOp(image: Image, key: string, value: unknown): PatchOp {
  return { op: hasAttribute(image, key) ? 'replace' : 'add', path: attributePath(key), value };
}

/**
 * `img set IMAGE`: --deactivate/--activate first (as the openstack client
 * does), then the member status (--accept/--reject/--pending: a PUT of the
 * member, no PATCH), then one PATCH with every attribute change (--project
 * alone: the owner). Tags given with --tag
 * are added to the existing ones. Prints the image as it is afterwards.
 */
export async function setImage(ctx: CommandContext, ref: string, opts: SetOptions): Promise<CommandResult> {
  const properties = keyValues('--property', opts.property);
  checkPropertyKeys(properties);
  const changes: Record<string, unknown> = { ...properties, ...shortcutProperties(opts) };
  if (opts.name !== undefined) changes['name'] = opts.name;
  if (opts.minDisk !== undefined) changes['min_disk'] = wholeNumber('--min-disk', opts.minDisk);
  if (opts.minRam !== undefined) changes['min_ram'] = wholeNumber('--min-ram', opts.minRam);
  if (opts.diskFormat !== undefined) changes['disk_format'] = oneOf('--disk-format', opts.diskFormat, DISK_FORMATS);
  if (opts.containerFormat !== undefined) {
    changes['container_format'] = oneOf('--container-format', opts.containerFormat, CONTAINER_FORMATS);
  }
  const visibility = visibilityFlag(opts);
  if (visibility) changes['visibility'] = visibility;
  const isProtected = onOff(opts.protected, opts.unprotected, '--protected', '--unprotected');
  if (isProtected !== undefined) changes['protected'] = isProtected;
  const hidden = onOff(opts.hidden, opts.unhidden, '--hidden', '--unhidden');
  if (hidden !== undefined) changes['os_hidden'] = hidden;
  const activation = onOff(opts.activate, opts.deactivate, '--activate', '--deactivate');
  const membership = membershipFlag(opts);
  if (Object.keys(changes).length === 0 && !opts.tag?.length && activation === undefined && !membership && opts.project === undefined) {
    throw new UsageError('Nothing to change: give at least one option (see img set --help)');
  }
  // With a membership flag, --project names the member whose status changes, never a new owner
  // (openstack clients up to 8.2 did both: Launchpad bug 2136795).
  const project = await projectOption(ctx, opts);

  const images = await ctx.images();
  // A consumer accepting a shared image finds it by name even while it is pending or rejected.
  let image = membership ? await findShared(ctx, ref) : await images.find(ref, ctx.signal);
  if (activation !== undefined) {
    await images.action(image.id, activation ? 'reactivate' : 'deactivate', ctx.signal);
  }
  if (membership) await setMembership(ctx, image, membership, project);
  else if (project !== undefined) changes['owner'] = project;
  const ops = Object.entries(changes).map(([key, value]) => setOp(image, key, value));
  const newTags = (opts.tag ?? []).filter((t) => !image.tags.includes(t));
  if (newTags.length) ops.push({ op: 'replace', path: '/tags', value: [...image.tags, ...new Set(newTags)] });
  if (ops.length) {
    image = await images.update(image.id, ops, ctx.signal);
  } else {
    image = await images.get(image.id, ctx.signal);
  }
  return imageShow(image);
}
