import { z } from 'zod';

/** A JSON value, as stored in a JSON column and sent on the wire. */
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;

// Interfaces, not type aliases: TypeScript resolves them lazily, which keeps TypeORM's deep
// mapped types (FindOptionsWhere, QueryDeepPartialEntity) over JSON columns from exploding.
/** A JSON object (component configs, message dumps, frames, settings). */
export interface JsonObject {
  [key: string]: JsonValue;
}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, not JsonValue[], for the reason above
export interface JsonArray extends Array<JsonValue> {}

/** Accepts any JSON object and keeps every key; the shape is checked further in, where it is used. */
export const jsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), z.json());

/** An object with the given known keys that keeps any other JSON keys (AGS adds keys over time). */
export function openObject<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).catchall(z.json());
}
