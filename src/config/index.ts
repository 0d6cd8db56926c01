/** The config layer's public face: what the rest of img (and the tests) may import from src/config. */
export { loadImgSettings } from './img-settings.js';
export { OS_FLAGS } from './flags.js';
export { loadClouds } from './clouds.js';
export { AUTH_TYPES } from './setting-values.js';
export { interfaceOf } from './interface.js';
export { resolveCloudConfig, type ConfigInput } from './resolve.js';
export { needsPasscode, needsPassword, validateForAuth } from './validate.js';
export type { AuthSettings, CloudConfig, ImgSettings, Interface } from './types.js';
