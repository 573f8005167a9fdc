/**
 * `POST /api/validate/` and `POST /api/validate/test`. Not enveloped: AGS's team builder reads
 * these bodies as they are (protocol §1.2).
 */
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { ValidationResult } from '../engine/index.js';
import {
  testBodySchema,
  testResultSchema,
  validateBodySchema,
  validationResultSchema,
  type TestBody,
  type TestResult,
  type ValidateBody,
} from './validate.dto.js';
import { ValidateService } from './validate.service.js';

@ApiTags('validate')
@Controller('api/validate')
export class ValidateController {
  constructor(private readonly service: ValidateService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: validationResultSchema })
  validate(@Body({ schema: validateBodySchema }) body: ValidateBody): ValidationResult {
    return this.service.validate(body.component);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOkResponse({ standardSchema: testResultSchema })
  test(@Body({ schema: testBodySchema }) body: TestBody, @CurrentUser() caller: Caller): Promise<TestResult> {
    return this.service.test(body.component, body.timeout, caller.userId);
  }
}
