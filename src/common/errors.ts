/**
 * Domain errors of the Nest layer. Services throw these; the one exception filter maps them to
 * HTTP, and the WebSocket layer can map them to close codes, so services stay transport-free.
 */
export class NotFoundError extends Error {
  constructor(readonly resource: string, readonly id: number | string) {
    super(`${resource} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** A request that is well-formed but not acceptable (e.g. it points at a row it cannot use). */
export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}

/** No valid credentials (a missing, malformed, forged or expired token): HTTP 401, socket 4001. */
export class UnauthorizedError extends Error {
  constructor(message = 'Authentication required') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** The caller went over the request rate limit: HTTP 429 with a Retry-After header. */
export class TooManyRequestsError extends Error {
  constructor(readonly retryAfterS: number, readonly limitPerMinute: number) {
    super(`Rate limit of ${limitPerMinute} requests per minute exceeded; retry in ${retryAfterS} s`);
    this.name = 'TooManyRequestsError';
  }
}
