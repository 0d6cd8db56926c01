/** The XDG Base Directory rules both configuration searches (clouds.yaml, img settings) follow. */
import path from 'node:path';

/**
 * The specification ignores relative paths in XDG_* variables: honouring
 * them would make the configuration depend on the working directory.
 */
const usable = (dir: string | undefined): dir is string => dir !== undefined && path.isAbsolute(dir);

/** `$XDG_CONFIG_HOME`, else `~/.config`; a relative XDG_CONFIG_HOME is ignored. */
export function xdgConfigHome(env: Record<string, string | undefined>, homeDir: string): string {
  const given = env['XDG_CONFIG_HOME'];
  return usable(given) ? given : path.join(homeDir, '.config');
}

/** The entries of `$XDG_CONFIG_DIRS` (default `/etc/xdg`), without relative ones. */
export function xdgConfigDirs(env: Record<string, string | undefined>): string[] {
  return (env['XDG_CONFIG_DIRS'] || '/etc/xdg').split(':').filter(usable);
}
