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
    const res = Object.assign(new EventEmitter(), { statusCode: 200 });
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
    expect(JSON.parse(lines[0]!)).toEqual({ method: 'GET', path: '/api/runs/7/stream', status: 200, ms: expect.any(Number) });
    expect(lines[0]).not.toContain('secret');
  });
});
