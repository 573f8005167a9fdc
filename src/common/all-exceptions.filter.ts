import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { ErrorEnvelope } from './envelope.js';
import { HTTP_STATUS_OF, RunRequestError } from '../runs/run-errors.js';
import { BadInputError, NotFoundError } from './errors.js';

/** Maps any thrown value to an HTTP status and a message, without leaking internals on 500. */
export function toHttpError(err: unknown): { status: number; message: string } {
  if (err instanceof NotFoundError) return { status: HttpStatus.NOT_FOUND, message: err.message };
  if (err instanceof BadInputError) return { status: HttpStatus.BAD_REQUEST, message: err.message };
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

/** The one place errors become responses: `{status: false, message, detail}` (protocol §1.1). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, message } = toHttpError(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (res.headersSent) return;
    const body: ErrorEnvelope = { status: false, message, detail: message };
    res.status(status).json(body);
  }
}
