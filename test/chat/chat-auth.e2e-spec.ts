/**
 * The simple clients under AUTH_TYPE=jwt (protocol §2.7): no token, no chat; and a conversation
 * belongs to the user whose token started it, so two users may use the same conversation id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ChatModule } from '../../src/chat/chat.module.js';
import { bearer, JWT_ENV, tokenFor } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { shapeOf } from './ndjson.js';
import { TextSocket } from './text-socket.js';

function closeCodeOf(url: string): Promise<number> {
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket not closed within 5 s')), 5_000);
    socket.once('close', (code) => (clearTimeout(timer), resolve(code)));
  });
}

describe(`${ChatModule.name} with AUTH_TYPE=jwt`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: JWT_ENV });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('closes /ws/chat with 4001 without a valid token, and chats with one', async () => {
    const ws = t.baseUrl.replace(/^http/, 'ws');
    expect(await closeCodeOf(`${ws}/ws/chat`)).toBe(4001);
    expect(await closeCodeOf(`${ws}/ws/chat?token=forged`)).toBe(4001);
    const client = await TextSocket.open(t.baseUrl, `/ws/chat?token=${tokenFor('alice')}`);
    client.send('What is the weather in Paris?');
    expect((await client.untilEnd()).at(-1)).toBe("Done: Text 'TERMINATE' mentioned");
    await client.close();
  });

  it("answers POST /chat/completions 401 without a token, and keeps each user's conversations apart", async () => {
    const body = { message: 'I want a unicycle', conversation_id: 'shared-id' };
    expect((await t.http.post('/chat/completions').send(body)).status).toBe(401);

    const send = async (user: string) => {
      const response = await t.http
        .post('/chat/completions')
        .set(bearer(tokenFor(user)))
        .send(body)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => done(null, text));
        });
      expect(response.status).toBe(200);
      return shapeOf(
        (response.body as string)
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as unknown),
      );
    };
    const first = await send('alice');
    expect(first[0]).toBe('function:transfer_to_sales_agent({})');
    // Alice's conversation moved on to sales; Bob's, with the same id, starts at triage.
    expect((await send('alice'))[0]).toBe('function:execute_order({"product":"rocket-powered unicycle","price":800})');
    expect(await send('bob')).toEqual(first);
  });
});
