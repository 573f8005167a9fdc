import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The header a request id comes in and goes back out in (the de-facto standard one, as nginx and Heroku set it). */
export const REQUEST_ID_HEADER = 'x-request-id';

/** An incoming id is honoured only when it is this short and plain: it is echoed and logged verbatim. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the caller's `x-request-id` when it is a plain token of at most 128 characters, else a new UUID. */
export function requestIdOf(req: Pick<Request, 'headers'>): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && ACCEPTED_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * One JSON line per request once the response is sent: request id, method, path, status,
 * duration. The id is echoed in the `x-request-id` response header, so a caller can quote it.
 */
@Injectable()
export class RequestLoggerMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Request');

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = JSON.stringify({
        request_id: requestId,
        method: req.method,
        // Never the query string: it carries `?token=<jwt>` (the AGS socket and SSE clients).
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
      });
      if (res.statusCode >= 500) this.logger.error(line);
      else this.logger.log(line);
    });
    next();
  }
}
