/**
 * Why a request about a run was refused. The REST filter maps `kind` to an HTTP status and the
 * gateway sends the message as an `error` frame; nothing else decides either.
 */
export type RunRequestErrorKind = 'bad_request' | 'not_found' | 'forbidden' | 'conflict' | 'limit';

export class RunRequestError extends Error {
  constructor(
    readonly kind: RunRequestErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'RunRequestError';
  }
}

export const HTTP_STATUS_OF: Record<RunRequestErrorKind, number> = {
  bad_request: 400,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
  limit: 429,
};
