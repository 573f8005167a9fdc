import type { INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { buildAsyncApiDocument } from './asyncapi.js';

/** Where the AsyncAPI 3 document of the sockets and the SSE stream is served. */
export const ASYNCAPI_PATH = '/api/docs/asyncapi.json';

/**
 * Serves the OpenAPI document at /api/docs (UI) and /api/docs-json. The schemas in it come from
 * the zod schemas the routes validate with (`@Body({ schema })`, `@ApiOkResponse({ standardSchema })`).
 * Beside it, at ASYNCAPI_PATH, the AsyncAPI 3 document of the run socket, the SSE stream and
 * /ws/chat, generated from the frame schemas in runs/ws-frames.ts (see asyncapi.ts).
 */
export function setupOpenApi(app: INestApplication, version: string): void {
  const config = new DocumentBuilder()
    .setTitle('TeamStream')
    .setDescription('Run AutoGen-style agent teams and stream them live; speaks the AutoGen Studio playground protocol.')
    .setVersion(version)
    .build();
  const asyncApi = JSON.stringify(buildAsyncApiDocument(version));
  // Registered before Swagger's routes so its `api/docs/*` assets never shadow it.
  app.getHttpAdapter().get(ASYNCAPI_PATH, (_req: Request, res: Response) => res.type('application/json').send(asyncApi));
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
