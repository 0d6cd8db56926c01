/** Configuration: --os-* flags, OS_* variables and clouds.yaml resolved into a CloudConfig, and img settings. */
export {
  OS_FLAGS,
  loadImgSettings,
  needsPassword,
  resolveCloudConfig,
  validateForAuth,
  type ConfigInput,
  type FlagName,
  type OsFlag,
} from './resolve.js';
export { interfaceOf } from './interface.js';
export type { AuthSettings, AuthType, CloudConfig, ImgSettings, Interface } from './types.js';
