/**
 * Options of the safety rails (issue 14) that existing commands take: the
 * vendor's checksum (`create`, `upload`, `save`), the disk format check of
 * the data's bytes (`create`, `upload`), and the openstack client's property
 * shortcuts (`create`, `set`). program.ts applies these builders to its
 * command declarations.
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';

/** --checksum and --checksum-file. */
export function checksumOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return cmd
    .option('--checksum <algo:hex>', "check the data against the vendor's checksum (md5, sha1, sha256, sha512), e.g. sha256:9f86…")
    .option('--checksum-file <path|url>', 'check the data against its line in a SHA256SUMS-style file (a path or an http(s) URL)');
}

/** The checksum options, and --no-format-check (the disk format read from the data's bytes). */
export function dataCheckOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return checksumOptions(cmd)
    .option('--no-format-check', "upload even when the data's bytes are of another disk format, or name a backing file, data file or extents");
}

/** The openstack client's `image set` shortcuts: each sets one well-known property. */
export function shortcutOptions<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(cmd: Command<Args, Opts, Globals>) {
  return cmd
    .option('--architecture <arch>', 'operating system architecture (property architecture), e.g. x86_64')
    .option('--os-distro <distro>', 'operating system distribution (property os_distro), e.g. ubuntu')
    .option('--os-version <version>', 'operating system version (property os_version), e.g. 22.04')
    .option('--kernel-id <id>', 'kernel image used to boot this disk image (property kernel_id)')
    .option('--ramdisk-id <id>', 'ramdisk image used to boot this disk image (property ramdisk_id)')
    .option('--instance-id <id>', 'server instance this image was made from (property instance_uuid)');
}
