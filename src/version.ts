import { createRequire } from 'node:module';

/**
 * img's version, from package.json. The bundle (scripts/bundle.mjs) replaces
 * this module with the string itself, so a start reads no package.json.
 */
export const version: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
