/** The client's errors: an answer of the server that is not a success, or no answer at all. */

/** The server answered with a failure (the contract's `Error` shape when it has one). */
export class ApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The machine-readable code, e.g. `invalid_field` (`http_<status>` without a body). */
  readonly code: string;
  /** The error's `details` object. */
  readonly details: Record<string, unknown>;
  /** Seconds from `Retry-After`, when the server sent it. */
  readonly retryAfter: number | undefined;

  constructor(status: number, body: unknown, retryAfter?: number) {
    const error = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)
      ?.error;
    super(error?.message ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error?.code ?? `http_${status}`;
    this.details = error?.details ?? {};
    this.retryAfter = retryAfter;
  }
}

/** No answer: the request failed on the way (offline, reset, timeout). */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = "NetworkError";
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/**
 * Whether trying the same request again may succeed: no answer at all, a timeout, throttling
 * or a server-side failure. Every other 4xx is the request's own fault and is final.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) {
    return error.status === 408 || error.status === 429 || (error.status >= 500 && error.status !== 501);
  }
  return false;
}

/** Parses a `Retry-After` header given in seconds. */
export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
