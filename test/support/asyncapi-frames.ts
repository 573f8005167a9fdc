/**
 * Checks frames against the served AsyncAPI document: each frame must match one of the messages
 * the document lists for its channel (`runSocket`, `runStream`, `chatSocket`), by the message's
 * payload schema, compiled with ajv exactly as the document holds it (refs and all).
 */
import { Ajv, type ValidateFunction } from 'ajv';

type Json = Record<string, any>;

export class AsyncApiFrames {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly byChannel = new Map<string, { name: string; validate: ValidateFunction }[]>();

  constructor(readonly document: Json) {
    // The whole document is one schema resource, so `#/components/schemas/X` refs resolve in it.
    this.ajv.addSchema(document, 'asyncapi');
    for (const [channel, { messages }] of Object.entries(document.channels as Json)) {
      this.byChannel.set(
        channel,
        Object.values(messages as Json).map((m: Json) => {
          const pointer = String(m.$ref).replace(/^#/, '');
          const message = pointer
            .split('/')
            .slice(1)
            .reduce((node: Json, key) => node[key], document);
          const payloadPointer = String(message.payload.$ref ?? '');
          const validate = payloadPointer ? this.ajv.getSchema(`asyncapi${payloadPointer}`)! : this.ajv.compile(message.payload as object);
          return { name: String(message.name), validate };
        }),
      );
    }
  }

  /** The names of the channel's messages that `frame` is valid for (empty: the document rejects it). */
  matches(channel: string, frame: unknown): string[] {
    const messages = this.byChannel.get(channel);
    if (!messages) throw new Error(`the document has no channel ${channel}`);
    return messages.filter((m) => m.validate(frame)).map((m) => m.name);
  }

  /** Why `frame` fails the channel's message called `name` (ajv's errors as text). */
  explain(channel: string, name: string, frame: unknown): string {
    const message = this.byChannel.get(channel)?.find((m) => m.name === name);
    if (!message) return `no message ${name} on ${channel}`;
    message.validate(frame);
    return this.ajv.errorsText(message.validate.errors);
  }
}
