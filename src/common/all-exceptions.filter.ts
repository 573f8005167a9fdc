/** The one place errors become HTTP answers: `{status: false, message, detail}` (protocol §1.1). */
import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { ErrorEnvelope } from './envelope.js';
import { describeError, ERROR_TRANSPORT, TooManyRequestsError, UnauthorizedError } from './errors.js';

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const described = describeError(exception);
    const status = ERROR_TRANSPORT[described.kind].http;
    const message =
      described.kind === 'too_large' ? `Request body exceeds the limit of ${this.config.http.bodyLimit} (HTTP_BODY_LIMIT)` : described.message;
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (res.headersSent) return;
    if (exception instanceof TooManyRequestsError) res.setHeader('Retry-After', String(exception.retryAfterS));
    if (exception instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer');
    const body: ErrorEnvelope = { status: false, message, detail: message };
    res.status(status).json(body);
  }
}
