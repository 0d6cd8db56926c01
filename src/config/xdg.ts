/** The XDG Base Directory rules both configuration searches (clouds.yaml, img settings) follow. */
import path from 'node:path';

/**
 * `$XDG_CONFIG_HOME`, else `~/.config`. A relative XDG_CONFIG_HOME is
 * ignored, as the XDG Base Directory specification says (it would make the
 * configuration depend on the working directory).
 */
export function xdgConfigHome(env: Record<string, string | undefined>, homeDir: string): string {
  const given = env['XDG_CONFIG_HOME'];
  return given && path.isAbsolute(given) ? given : path.join(homeDir, '.config');
}
