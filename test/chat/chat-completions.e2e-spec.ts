/**
 * `POST /chat/completions` (protocol §2.8) over real HTTP: NDJSON lines of the exact shape as the
 * team runs, hand-offs as `function` lines, the conversation continued by the agent that spoke
 * last (also after a restart on the same database), and refusals as enveloped 400 / 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatCompletionsController } from '../../src/chat/chat-completions.controller.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { chat, eventually, postChat, shapeOf } from './ndjson.js';

/** What the customer-support swarm says to a first message (the replay scripts of the default gallery). */
const FIRST_REPLY = [
  'function:transfer_to_sales_agent({})',
  'function:transfer_to_sales_agent → Transferred to sales_agent, adopting the role of sales_agent immediately.',
  'function:triage_agent → handoff to sales_agent',
  ...salesTurn(),
];

/** sales_agent's part: it places the order, then hands the conversation back to the user. */
function salesTurn(): string[] {
  return [
    'function:execute_order({"product":"rocket-powered unicycle","price":800})',
    'function:execute_order → Order placed: rocket-powered unicycle for $800.',
    'string:Order placed: rocket-powered unicycle for $800.',
    'function:transfer_to_user({})',
    'function:transfer_to_user → Transferred to user, adopting the role of user immediately.',
    'function:sales_agent → handoff to user',
  ];
}

describe(ChatCompletionsController.name, () => {
  describe('with the default team (customer support)', () => {
    let database: TestDatabase;
    let t: TestApp;
    beforeAll(async () => {
      database = await createTestDatabase();
      t = await startTestApp({ database });
    });
    afterAll(async () => {
      await t?.close();
      await database?.drop();
    });

    it('streams NDJSON lines of the exact shape; the hand-off is a function line', async () => {
      const reply = await chat(t.baseUrl, { message: 'I want to buy a unicycle', conversation_id: 'conv-first' });
      expect(reply.status).toBe(200);
      expect(reply.contentType).toBe('application/x-ndjson; charset=utf-8');
      for (const line of reply.lines) {
        expect(Object.keys(line as object)).toEqual(['content']);
        const { content } = line as { content: Record<string, unknown> };
        expect(Object.keys(content)).toEqual(['type', 'message']);
        expect(['string', 'function']).toContain(content.type);
        expect(typeof content.message).toBe('string');
      }
      expect(shapeOf(reply.lines)).toEqual(FIRST_REPLY);
    });

    it('sends the next message of a conversation to the agent that spoke last, also after a restart', async () => {
      expect(shapeOf((await chat(t.baseUrl, { message: 'I want a unicycle', conversation_id: 'conv_2' })).lines)).toEqual(FIRST_REPLY);
      // Triage handed over to sales; sales spoke last, so sales answers (no second triage turn).
      const second = await chat(t.baseUrl, { message: 'Make it a red one', conversation_id: 'conv_2' });
      expect(shapeOf(second.lines)).toEqual(salesTurn());
      // Another conversation starts at triage again.
      expect(shapeOf((await chat(t.baseUrl, { message: 'Hello', conversation_id: 'conv_3' })).lines)).toEqual(FIRST_REPLY);

      await t.close();
      t = await startTestApp({ database });
      const afterRestart = await chat(t.baseUrl, { message: 'Still there?', conversation_id: 'conv_2' });
      expect(shapeOf(afterRestart.lines)).toEqual(salesTurn());
    });

    it.each([
      [{}, 'message: '],
      [{ conversation_id: 'c1' }, 'message: '],
      [{ message: 42, conversation_id: 'c1' }, 'message: '],
      [{ message: '  ', conversation_id: 'c1' }, 'message: must not be empty'],
      [{ message: 'hi' }, 'conversation_id: '],
      [{ message: 'hi', conversation_id: 7 }, 'conversation_id: '],
      [{ message: 'hi', conversation_id: '' }, 'conversation_id: must not be empty'],
    ])('refuses the body %j with a 400 naming the field', async (body, field) => {
      const response = await t.http.post('/chat/completions').send(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ status: false, message: expect.stringContaining(field), detail: response.body.message });
    });

    it.each(['has space', 'dots.and/slashes', 'ünïcode', 'x'.repeat(129)])('refuses the conversation id %j with a 400', async (id) => {
      const response = await t.http.post('/chat/completions').send({ message: 'hi', conversation_id: id });
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/^conversation_id: /);
    });

    it('accepts a conversation id of exactly 128 letters, digits, _ and -', async () => {
      const reply = await chat(t.baseUrl, { message: 'hi', conversation_id: `aZ09_-${'x'.repeat(122)}` });
      expect(reply.status).toBe(200);
      expect(shapeOf(reply.lines)).toEqual(FIRST_REPLY);
    });
  });

  describe('with a model behind a fake OpenAI server (CHAT_COMPLETIONS_TEAM=Streaming assistant)', () => {
    let t: TestApp;
    let model: ChatCompletionsServer;
    beforeAll(async () => {
      model = await startChatCompletionsServer();
      t = await startTestApp({
        env: { CHAT_COMPLETIONS_TEAM: 'Streaming assistant', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.baseUrl },
      });
    });
    afterAll(async () => {
      await t?.close();
      await model?.close();
    });

    it('streams the model chunks as string deltas, without repeating the whole message', async () => {
      model.push({ type: 'text', text: 'Hello there TERMINATE', chunks: ['Hel', 'lo there ', 'TERMINATE'] });
      const reply = await chat(t.baseUrl, { message: 'Hi', conversation_id: 'deltas' });
      expect(shapeOf(reply.lines)).toEqual(['string:Hel', 'string:lo there ', 'string:TERMINATE']);
    });

    it('refuses a second message while the first is answered with 409, and takes it after', async () => {
      // The first answer is held until the second message has been refused.
      let release!: () => void;
      const hold = new Promise<void>((resolve) => (release = resolve));
      model.push({ type: 'text', text: 'Slow answer TERMINATE', hold }, { type: 'text', text: 'Next TERMINATE' });
      const before = model.requests.length;
      const first = chat(t.baseUrl, { message: 'One', conversation_id: 'busy' });
      await eventually(() => model.requests.length > before, 'the model request');
      const second = await t.http.post('/chat/completions').send({ message: 'Two', conversation_id: 'busy' });
      release();
      expect(second.status).toBe(409);
      expect(second.body.message).toBe('Conversation "busy" is still answering its previous message; send the next one when that reply has ended');
      expect((await first).status).toBe(200);
      expect(shapeOf((await chat(t.baseUrl, { message: 'Two', conversation_id: 'busy' })).lines)).toEqual(['string:Next ', 'string:TERMINATE']);
    });

    it('ends the reply with an Error line when the model fails after the headers went out', async () => {
      model.push({ type: 'error', status: 400, message: 'This model cannot do that' });
      const reply = await chat(t.baseUrl, { message: 'Hi', conversation_id: 'failing' });
      expect(reply.status).toBe(200);
      expect(reply.lines).toHaveLength(1);
      expect(shapeOf(reply.lines)[0]).toMatch(/^string:Error: .*This model cannot do that/);
      // The failed message is not kept: the conversation goes on from before it.
      model.push({ type: 'text', text: 'Fine now TERMINATE' });
      expect(shapeOf((await chat(t.baseUrl, { message: 'Again', conversation_id: 'failing' })).lines)).toEqual([
        'string:Fine ',
        'string:now ',
        'string:TERMINATE',
      ]);
      const sent = model.requests.at(-1)!.body.messages as { role: string; content: string }[];
      expect(sent.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Again']);
    });

    it('stops the model when the client goes away, and frees the conversation', async () => {
      model.push({ type: 'text', text: 'Never read TERMINATE', delayMs: 2_000 });
      const before = model.requests.length;
      const controller = new AbortController();
      const pending = postChat(t.baseUrl, { message: 'Hi', conversation_id: 'gone' }, controller.signal);
      await eventually(() => model.requests.length > before, 'the model request');
      controller.abort();
      await expect(pending).rejects.toThrow();
      await expect(model.requests[before]!.outcome).resolves.toBe('closed-early');
      // The run unwinds just after the abort; until then the conversation may still say 409.
      model.push({ type: 'text', text: 'Back TERMINATE' });
      const deadline = Date.now() + 5_000;
      let next = await chat(t.baseUrl, { message: 'Hi again', conversation_id: 'gone' });
      while (next.status === 409 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        next = await chat(t.baseUrl, { message: 'Hi again', conversation_id: 'gone' });
      }
      expect(shapeOf(next.lines)).toEqual(['string:Back ', 'string:TERMINATE']);
    });
  });
});
