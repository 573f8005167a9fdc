import { type ArgumentMetadata, BadRequestException, Inject, Injectable, Optional, type PipeTransform } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { DEFAULT_MAX_JSON_DEPTH, describeJsonInputProblem, findJsonInputProblem } from './json-input.js';

/** One line per issue, each starting with the field it is about (`team_id: …`). */
export function formatIssues(issues: readonly StandardSchemaV1.Issue[], fallbackField: string): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((s) => String(typeof s === 'object' ? s.key : s));
      const field = path.length > 0 ? path.join('.') : fallbackField;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

const WHAT: Record<string, string> = { body: 'Request body', query: 'Query string', param: 'Path parameter' };

/**
 * Validates every `@Body/@Query/@Param({ schema })` against its zod (Standard Schema) schema and
 * returns the parsed value. Unlike Nest's built-in pipe it names the field even for a single
 * path parameter (`id: …`) and joins issues into one human-readable message.
 *
 * Before any schema sees a value (zod's `z.json()` recurses), every body, query and path value
 * is walked once, iteratively: nesting past MAX_JSON_DEPTH, or a NUL in any string, is a 400.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  private readonly maxJsonDepth: number;

  constructor(@Optional() @Inject(APP_CONFIG) config?: AppConfig) {
    this.maxJsonDepth = config?.edge.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  }

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return value;
    const problem = findJsonInputProblem(value, this.maxJsonDepth);
    if (problem) {
      const what = WHAT[metadata.type] ?? 'Request';
      // A single path or query parameter's own NUL is named by the parameter.
      const named = problem.kind === 'nul' && problem.path.length === 0 && metadata.data ? { ...problem, path: [metadata.data] } : problem;
      throw new BadRequestException(describeJsonInputProblem(named, what));
    }
    const schema = metadata.schema;
    if (!schema) return value;
    const result = await schema['~standard'].validate(value);
    if (result.issues) throw new BadRequestException(formatIssues(result.issues, metadata.data ?? metadata.type));
    return result.value;
  }
}
