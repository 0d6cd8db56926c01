/**
 * The openstack client's property shortcuts of `image set` (python-openstackclient
 * image/v2/image.py), on `set` and `create`: each sets one well-known image
 * property, named as openstacksdk's Image resource names it.
 */

/** The shortcut options as commander parses them. */
export interface ShortcutOptions {
  architecture?: string;
  osDistro?: string;
  osVersion?: string;
  kernelId?: string;
  ramdiskId?: string;
  instanceId?: string;
}

/** Option → property. `--instance-id` is openstacksdk's `instance_uuid` (the property Nova sets on snapshots). */
export const SHORTCUT_PROPERTIES: Record<keyof ShortcutOptions, string> = {
  architecture: 'architecture',
  osDistro: 'os_distro',
  osVersion: 'os_version',
  kernelId: 'kernel_id',
  ramdiskId: 'ramdisk_id',
  instanceId: 'instance_uuid',
};

/** The properties the shortcuts given set (none given: an empty object). */
export function shortcutProperties(opts: ShortcutOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [option, property] of Object.entries(SHORTCUT_PROPERTIES) as [keyof ShortcutOptions, string][]) {
    const value = opts[option];
    if (value !== undefined) out[property] = value;
  }
  return out;
}
