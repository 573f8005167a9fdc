import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Inject, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorEnvelope } from './envelope.js';
import { HTTP_STATUS_OF, RunRequestError } from '../runs/run-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { BadInputError, NotFoundError, TooManyRequestsError, UnauthorizedError } from './errors.js';

/** Maps any thrown value to an HTTP status and a message, without leaking internals on 500. */
export function toHttpError(err: unknown): { status: number; message: string } {
  if (err instanceof NotFoundError) return { status: HttpStatus.NOT_FOUND, message: err.message };
  if (err instanceof BadInputError) return { status: HttpStatus.BAD_REQUEST, message: err.message };
  if (err instanceof UnauthorizedError) return { status: HttpStatus.UNAUTHORIZED, message: err.message };
  if (err instanceof TooManyRequestsError) return { status: HttpStatus.TOO_MANY_REQUESTS, message: err.message };
  if (err instanceof RunRequestError) return { status: HTTP_STATUS_OF[err.kind], message: err.message };
  if (err instanceof HttpException) return { status: err.getStatus(), message: httpExceptionMessage(err) };
  // The engine's ConfigError (a component config that cannot be loaded) is the caller's fault.
  if (err instanceof Error && (err as { code?: unknown }).code === 'config_error') {
    return { status: HttpStatus.BAD_REQUEST, message: err.message };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
}

function httpExceptionMessage(err: HttpException): string {
  const body = err.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return typeof message === 'string' ? message : err.message;
}

/** body-parser's refusal of a body over HTTP_BODY_LIMIT (Nest hands it over as a 413 HttpException). */
function isBodyTooLarge(err: unknown): boolean {
  if (err instanceof HttpException) return err.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE;
  return err !== null && typeof err === 'object' && (err as { type?: unknown }).type === 'entity.too.large';
}

/** The one place errors become responses: `{status: false, message, detail}` (protocol §1.1). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, message } = isBodyTooLarge(exception)
      ? { status: HttpStatus.PAYLOAD_TOO_LARGE, message: `Request body exceeds the limit of ${this.config.http.bodyLimit} (HTTP_BODY_LIMIT)` }
      : toHttpError(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (res.headersSent) return;
    if (exception instanceof TooManyRequestsError) res.setHeader('Retry-After', String(exception.retryAfterS));
    if (exception instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer');
    const body: ErrorEnvelope = { status: false, message, detail: message };
    res.status(status).json(body);
  }
}
