import { z } from 'zod';

/** The AGS success envelope (protocol §1.1). */
export interface Envelope<T> {
  status: true;
  data?: T;
  message?: string;
}

/** Wraps a payload in the success envelope. */
export function ok<T>(data: T, message?: string): Envelope<T> {
  return message === undefined ? { status: true, data } : { status: true, data, message };
}

/** The AGS failure envelope: `message` and `detail` carry the same text (protocol §1.1). */
export const errorEnvelopeSchema = z.object({ status: z.literal(false), message: z.string(), detail: z.string() });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** The response schema of a route returning `data` of the given shape, for OpenAPI. */
export function envelopeOf<T extends z.ZodType>(data: T) {
  return z.object({ status: z.literal(true), data, message: z.string().optional() });
}
