/**
 * AGS's `generate_image`, in TypeScript: the OpenAI Images API (DALL-E 3) through the `openai`
 * SDK (its client from models/openai-client.ts) and the egress policy, with the server's OPENAI_API_KEY (bound to its endpoint). Like
 * AGS's tool it saves the images as PNG files and returns their paths; the files go under
 * IMAGES_DIR, and `output_dir` may only name a folder inside it.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { BoundCredential } from '../../egress/credentials.js';
import { openAiSdkClient } from '../../models/openai-client.js';
import { egressFetch } from './http.js';
import { tool, type Tool } from '../tool.js';

export interface GenerateImageOptions {
  /** The server's OpenAI key and the endpoint it belongs to; absent: the tool says it is not configured. */
  credential?: BoundCredential;
  /** IMAGES_DIR. */
  imagesDir: string;
  timeoutMs: number;
}

export function generateImageTool(options: GenerateImageOptions): Tool {
  return tool({
    name: 'generate_image',
    description: 'Generate images using DALL-E based on text descriptions.',
    parameters: z.object({
      query: z.string().describe('Natural language description of the desired image'),
      output_dir: z.string().nullish().describe('Directory to save generated images (default: current directory)'),
      image_size: z
        .enum(['1024x1024', '512x512', '256x256'])
        .default('1024x1024')
        .describe('Size of generated image (1024x1024, 512x512, or 256x256)'),
    }),
    execute: async ({ query, output_dir, image_size }, context) => {
      if (!options.credential) throw new Error('generate_image needs the server to have OPENAI_API_KEY set');
      const dir = outputDirectory(options.imagesDir, output_dir);
      const client = openAiSdkClient({
        apiKey: options.credential.apiKey,
        baseUrl: options.credential.endpoint,
        fetch: egressFetch(context),
        maxRetries: 1,
        timeoutMs: options.timeoutMs,
      });
      const response = await client.images.generate(
        { model: 'dall-e-3', prompt: query, n: 1, response_format: 'b64_json', size: image_size },
        { signal: context.signal },
      );
      const saved: string[] = [];
      for (const image of response.data ?? []) {
        if (!image.b64_json) continue;
        await mkdir(dir, { recursive: true });
        const file = join(dir, `${randomUUID()}.png`);
        await writeFile(file, Buffer.from(image.b64_json, 'base64'));
        saved.push(file);
      }
      return JSON.stringify(saved);
    },
  });
}

/** IMAGES_DIR, or a folder inside it: the model cannot make the server write anywhere else. */
function outputDirectory(imagesDir: string, requested: string | null | undefined): string {
  const root = resolve(imagesDir);
  if (!requested) return root;
  const inside = normalize(requested);
  if (isAbsolute(inside) || inside === '..' || inside.startsWith(`..${sep}`)) {
    throw new Error(`output_dir must be a folder inside the server's images directory, not ${requested}`);
  }
  return join(root, inside);
}
