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
