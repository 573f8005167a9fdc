import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * Serves the OpenAPI document at /api/docs (UI) and /api/docs-json. The schemas in it come from
 * the zod schemas the routes validate with (`@Body({ schema })`, `@ApiOkResponse({ standardSchema })`).
 */
export function setupOpenApi(app: INestApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('TeamStream')
    .setDescription('Run AutoGen-style agent teams and stream them live; speaks the AutoGen Studio playground protocol.')
    .setVersion(version)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
