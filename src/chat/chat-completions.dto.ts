import { z } from 'zod';

/** `POST /chat/completions` body (protocol §2.8). Other keys (e.g. the AGS `user_id`) are ignored. */
export const chatCompletionBodySchema = z.looseObject({
  message: z
    .string()
    .max(100_000, 'must be at most 100000 characters')
    .refine((m) => m.trim().length > 0, 'must not be empty'),
  conversation_id: z
    .string()
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9_-]+$/, 'may only use letters, digits, "_" and "-"'),
});
export type ChatCompletionBody = z.infer<typeof chatCompletionBodySchema>;
