/**
 * Every failure img reports is an {@link ImgError}. Each subclass owns one
 * concern and the exit code the README documents for it; `src/main.ts` is the
 * only place that turns these into a stderr line and a process exit code.
 *
 * Messages are self-describing single lines and must never contain secrets
 * (passwords, application-credential secrets, tokens).
 */

/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  AUTH: 3,
  NOT_FOUND: 4,
  INTEGRITY: 5,
  INTERRUPTED: 130,
  /** stdout was closed by its reader (`img list | head -1`): 128 + SIGPIPE, as a Unix tool killed by it reports. */
  BROKEN_PIPE: 141,
} as const;
type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The message of anything thrown: an Error's `message`, else the value as
 * text (`throw 'x'` gives `x`, `throw undefined` gives `undefined`). Never
 * throws itself, so it is safe in the last-resort handlers of main.ts.
 */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Base class: a message for the user and the exit code it maps to. */
export class ImgError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.FAILURE;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line: unknown flag, invalid value, conflicting options. */
export class UsageError extends ImgError {
  override readonly exitCode = ExitCode.USAGE;
}

/** Bad or missing configuration: OS_* variables, clouds.yaml, img config. */
export class ConfigError extends ImgError {
  override readonly exitCode = ExitCode.USAGE;
}

/** More than one resource matches a name (exit 2, as the openstack client's NoUniqueMatch). */
export class AmbiguousNameError extends ImgError {
  override readonly exitCode = ExitCode.USAGE;
}

/** Keystone refused the credentials, or a token could not be (re)issued. */
export class AuthenticationFailedError extends ImgError {
  override readonly exitCode = ExitCode.AUTH;
}

/** A named image does not exist (or is not visible to this project). */
export class NoSuchImageError extends ImgError {
  override readonly exitCode = ExitCode.NOT_FOUND;
}

/** A project or domain named on the command line does not exist in Keystone. */
export class NoSuchProjectError extends ImgError {
  override readonly exitCode = ExitCode.NOT_FOUND;
}

/** Bytes on one side do not match the other: size, checksum or os_hash_value. */
export class IntegrityError extends ImgError {
  override readonly exitCode = ExitCode.INTEGRITY;
}

/** SIGINT / SIGTERM arrived; cleanup has run. */
export class InterruptedError extends ImgError {
  override readonly exitCode = ExitCode.INTERRUPTED;
}

/** The server could not be reached or the connection broke (DNS, refused, reset, TLS, timeout). */
export class ConnectionError extends ImgError {}

/** Local file system problem: missing file, directory given, unreadable, disk full. */
export class FileError extends ImgError {
  override readonly exitCode: ExitCodeValue = ExitCode.FAILURE;
}

/**
 * A file named on the command line that cannot be used as given: missing,
 * unreadable, a directory, not a regular file, nowhere to write it. Invalid
 * input, so exit 2, and always raised before anything is sent.
 */
export class InputFileError extends FileError {
  override readonly exitCode = ExitCode.USAGE;
}

/** Details of an HTTP error response. */
interface ApiErrorDetails {
  status: number;
  method: string;
  /** Path (no query secrets, no host) of the request that failed. */
  path: string;
  /** The server's own explanation, extracted from its error body, if any. */
  serverMessage?: string;
  /** `x-openstack-request-id` (or `x-compute-request-id`) of the response. */
  requestId?: string;
}

/**
 * An HTTP error from Keystone or Glance. Use {@link ApiError.generate} to get
 * the subclass for a status. The message ends with
 * `(HTTP <status>) (Request-ID: <id>)` as the issue specifies.
 */
export class ApiError extends ImgError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly serverMessage: string | undefined;
  readonly requestId: string | undefined;

  constructor(details: ApiErrorDetails, context?: string, options?: { cause?: unknown }) {
    super(ApiError.describe(details, context), options);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.serverMessage = details.serverMessage;
    this.requestId = details.requestId;
  }

  /** The one-line message: `<context, or METHOD path>: <reason>`. */
  static describe(d: ApiErrorDetails, context?: string): string {
    // Without a context saying what img was doing, name the request that failed.
    return `${context ?? `${d.method} ${d.path}`}: ${ApiError.reasonOf(d)}`;
  }

  /** `<server message> (HTTP 403) (Request-ID: req-…)`, without the leading context. */
  static reasonOf(d: ApiErrorDetails): string {
    const what = d.serverMessage?.trim() || 'no explanation from the server';
    const rid = d.requestId ? ` (Request-ID: ${d.requestId})` : '';
    return `${what} (HTTP ${d.status})${rid}`;
  }

  /** The server's side of the story, for callers that say themselves what was being done. */
  get reason(): string {
    return ApiError.reasonOf(this);
  }

  /**
   * The error for a status: a subclass where callers tell it apart (401 with
   * its own exit code, 404, 409), else ApiError itself (exit 1).
   */
  static generate(details: ApiErrorDetails, context?: string): ApiError {
    const s = details.status;
    if (s === 401) return new UnauthorizedError(details, context);
    if (s === 404) return new NotFoundError(details, context);
    if (s === 409) return new ConflictError(details, context);
    return new ApiError(details, context);
  }
}

/** HTTP 401: the token or credentials were refused (exit 3). */
export class UnauthorizedError extends ApiError {
  override readonly exitCode = ExitCode.AUTH;
}
/** HTTP 404 from the API (exit 4). */
export class NotFoundError extends ApiError {
  override readonly exitCode = ExitCode.NOT_FOUND;
}
/** HTTP 409: the request conflicts with the resource's state (exit 1). */
export class ConflictError extends ApiError {}
