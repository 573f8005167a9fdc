import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestLoggerMiddleware } from './request-logger.middleware.js';

describe(RequestLoggerMiddleware.name, () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs method, path, status and time, never the query string or headers that carry a token', () => {
    const lines: string[] = [];
    vi.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void lines.push(String(message)));
    const headers: Record<string, string> = {};
    const res = Object.assign(new EventEmitter(), { statusCode: 200, setHeader: (name: string, value: string) => void (headers[name] = value) });
    const req = {
      method: 'GET',
      originalUrl: '/api/runs/7/stream?token=eyJhbGciOiJIUzI1NiJ9.secret.sig&after=3',
      headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret.sig' },
    };
    const next = vi.fn();
    new RequestLoggerMiddleware().use(req as unknown as Request, res as unknown as Response, next as NextFunction);
    res.emit('finish');
    expect(next).toHaveBeenCalledOnce();
    expect(lines).toHaveLength(1);
    // No x-request-id came: a generated one is logged and echoed.
    const requestId = headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(lines[0]!)).toEqual({ request_id: requestId, method: 'GET', path: '/api/runs/7/stream', status: 200, ms: expect.any(Number) });
    expect(lines[0]).not.toContain('secret');
  });
});
