import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, whether this file runs from test/ (ts) or dist/test/ (compiled js). */
function findRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const idx = parts.lastIndexOf('dist');
  if (idx > 0) return parts.slice(0, idx).join(path.sep);
  return path.resolve(here, '..', '..');
}

export const REPO_ROOT = findRoot();
export const IMG_BIN = path.join(REPO_ROOT, 'bin', 'img');
export const FIXTURES = path.join(REPO_ROOT, 'fixtures');
