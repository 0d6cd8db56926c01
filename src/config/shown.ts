/** How a configuration value is quoted in an error or warning message. */

/**
 * A value quoted for an error message: JSON string syntax, so control
 * characters (a newline in an environment variable…) cannot split the
 * one-line message or inject text into it.
 */
export function shown(v: unknown): string {
  return JSON.stringify(String(v));
}
