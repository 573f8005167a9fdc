import { type ArgumentMetadata, BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';

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

/**
 * Validates every `@Body/@Query/@Param({ schema })` against its zod (Standard Schema) schema and
 * returns the parsed value. Unlike Nest's built-in pipe it names the field even for a single
 * path parameter (`id: …`) and joins issues into one human-readable message.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const schema = metadata.schema;
    if (!schema || metadata.type === 'custom') return value;
    const result = await schema['~standard'].validate(value);
    if (result.issues) throw new BadRequestException(formatIssues(result.issues, metadata.data ?? metadata.type));
    return result.value;
  }
}
