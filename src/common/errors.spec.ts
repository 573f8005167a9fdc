import { BadRequestException, HttpException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CancelledError, ConfigError, InputUnavailableError, ModelError, RunStateError, ToolError } from '../engine/index.js';
import {
  AppError,
  describeError,
  ERROR_KINDS,
  ERROR_TRANSPORT,
  INTERNAL_ERROR_MESSAGE,
  NotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
} from './errors.js';

describe(describeError.name, () => {
  it.each([
    [new AppError('conflict', 'Run 1 has already been started'), 'conflict', 'Run 1 has already been started'],
    [new NotFoundError('Run', 9), 'not_found', 'Run 9 not found'],
    [new UnauthorizedError(), 'unauthorized', 'Authentication required'],
    [new TooManyRequestsError(3, 60), 'too_many', 'Rate limit of 60 requests per minute exceeded; retry in 3 s'],
    [new ConfigError('config.model_client', 'unknown provider acme.Nope'), 'bad_request', 'config.model_client: unknown provider acme.Nope'],
    [new InputUnavailableError('user'), 'bad_request', 'user asked for human input, and this run has no one to answer it'],
    [new RunStateError('The team is already running'), 'conflict', 'The team is already running'],
    [new CancelledError('User requested stop/cancellation'), 'conflict', 'User requested stop/cancellation'],
    [new ModelError('HTTP 401 from the model API', { status: 401 }), 'unavailable', 'HTTP 401 from the model API'],
    [new ToolError('weather', 'timed out'), 'unavailable', 'weather: timed out'],
    [new BadRequestException('user_id: too long'), 'bad_request', 'user_id: too long'],
    [new NotFoundException('Cannot GET /nope'), 'not_found', 'Cannot GET /nope'],
    [new PayloadTooLargeException(), 'too_large', 'Payload Too Large'],
    [Object.assign(new Error('request entity too large'), { type: 'entity.too.large' }), 'too_large', 'Request body is too large'],
  ])('classifies %s', (error, kind, message) => {
    expect(describeError(error)).toEqual({ kind, message });
  });

  it('withholds the text of anything it does not know, and of a 5xx HttpException', () => {
    expect(describeError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toEqual({
      kind: 'internal',
      message: INTERNAL_ERROR_MESSAGE,
    });
    expect(describeError('a thrown string')).toEqual({ kind: 'internal', message: INTERNAL_ERROR_MESSAGE });
    expect(describeError(new HttpException('db password in here', 500))).toEqual({ kind: 'internal', message: INTERNAL_ERROR_MESSAGE });
  });
});

describe('ERROR_TRANSPORT', () => {
  it('maps every kind to one HTTP status, socket close code and CLI exit code', () => {
    expect(Object.keys(ERROR_TRANSPORT).sort()).toEqual([...ERROR_KINDS].sort());
    const statuses = ERROR_KINDS.map((kind) => ERROR_TRANSPORT[kind].http);
    expect(new Set(statuses).size).toBe(ERROR_KINDS.length);
    // AutoGen Studio's close codes (protocol §1.3).
    expect(ERROR_TRANSPORT.not_found.socketClose).toBe(4004);
    expect(ERROR_TRANSPORT.unauthorized.socketClose).toBe(4001);
    // The CLI kept its exit code 1 for a config that does not load.
    expect(ERROR_TRANSPORT.bad_request.cliExit).toBe(1);
  });
});
