/**
 * `/ws/chat` (protocol §2.8) with a real `ws` client: a task in one text frame, the run back as
 * readable text frames, input requests answered by later frames, errors as `Error: …` frames on
 * a socket that stays open, and closing the socket cancelling the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatSocketGateway } from '../../src/chat/chat-socket.gateway.js';
import { NO_INPUT_PENDING } from '../../src/chat/chat-socket.js';
import { startChatCompletionsServer, type ChatCompletionsServer } from '../fakes/chat-completions-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from './ndjson.js';
import { TextSocket } from './text-socket.js';

const WEATHER_RUN = [
  'user: What is the weather in Paris?',
  '[tool] weather_forecast({"city":"Paris"})',
  '[result] weather_forecast → The weather forecast for Paris is sunny.',
  'chatbot: The forecast for Paris is sunny with a light breeze and a high of 22 degrees , a fine day to be outside . TERMINATE',
  "Done: Text 'TERMINATE' mentioned",
];

describe(ChatSocketGateway.name, () => {
  describe('with the default team (weather chat)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { MAX_TASK_CHARS: '100' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers one text frame with the run as text frames, ending with the answer and Done', async () => {
      const client = await TextSocket.open(t.baseUrl);
      client.send('What is the weather in Paris?');
      expect(await client.untilEnd()).toEqual(WEATHER_RUN);
      await client.close();
    });

    it('starts a new run for a second task once the first is done', async () => {
      const client = await TextSocket.open(t.baseUrl);
      client.send('What is the weather in Paris?');
      await client.untilEnd();
      client.send('And tomorrow?');
      const second = await client.untilEnd(WEATHER_RUN.length);
      expect(second).toEqual(['user: And tomorrow?', ...WEATHER_RUN.slice(1)]);
      await client.close();
    });

    it('refuses a binary frame, an empty task, one over MAX_TASK_CHARS and one with a NUL with Error frames, and stays open', async () => {
      const client = await TextSocket.open(t.baseUrl);
      client.send(Buffer.from([1, 2, 3]));
      await client.waitFor((f) => f === 'Error: send text frames only');
      client.send('   ');
      await client.waitFor((f) => f === 'Error: the task is empty; send the task as a text frame');
      client.send('x'.repeat(101));
      await client.waitFor((f) => f === 'Error: the task is longer than 100 characters (MAX_TASK_CHARS)');
      client.send('ab\u0000c');
      await client.waitFor((f) => f === 'Error: the text contains a NUL character (U+0000)');
      client.send('What is the weather in Paris?');
      expect(await client.untilEnd(4)).toEqual(WEATHER_RUN);
      await client.close();
    });
  });

  describe('with a team that asks for input (CHAT_DEFAULT_TEAM=Human in the loop)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { CHAT_DEFAULT_TEAM: 'Human in the loop', RUN_INPUT_TIMEOUT_S: '2' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('sends the prompt as a text frame and takes the next text frame as the answer', async () => {
      const client = await TextSocket.open(t.baseUrl);
      client.send('Write a line about the sea');
      const firstPrompt = await client.waitFor((f) => f === 'Enter your response: ');
      expect(client.frames.slice(0, firstPrompt)).toEqual([
        'user: Write a line about the sea',
        'assistant_agent: Here is a first draft : the sea rolls in grey and slow , and carries the light of the morning to the shore .',
      ]);
      client.send('Shorter, please');
      // The revised draft itself mentions APPROVE, which ends this demo team's run.
      expect(await client.untilEnd(firstPrompt + 1)).toEqual([
        'user_proxy: Shorter, please',
        'assistant_agent: Revised draft : grey sea , slow tide , morning light on the shore . Say APPROVE if you like it .',
        "Done: Text 'APPROVE' mentioned",
      ]);
      await client.close();
    });

    it('stops the run when nobody answers within RUN_INPUT_TIMEOUT_S, and takes a new task after', async () => {
      const client = await TextSocket.open(t.baseUrl);
      client.send('Write a line about the sea');
      const prompt = await client.waitFor((f) => f === 'Enter your response: ');
      expect(await client.untilEnd(prompt + 1, 6_000)).toEqual(['Stopped: Input timeout after 2 seconds']);
      client.send('Again');
      await client.waitFor((f) => f === 'user: Again', { from: prompt + 2 });
      await client.close();
    });
  });

  describe('with a slow model (the streaming assistant on a fake OpenAI server)', () => {
    let t: TestApp;
    let model: ChatCompletionsServer;
    beforeAll(async () => {
      model = await startChatCompletionsServer();
      t = await startTestApp({
        env: { CHAT_DEFAULT_TEAM: 'Streaming assistant', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.baseUrl },
      });
    });
    afterAll(async () => {
      await t?.close();
      await model?.close();
    });

    it('sends a streamed reply once, whole, not word by word', async () => {
      model.push({ type: 'text', text: 'Streamed in four parts TERMINATE', chunkSize: 6 });
      const client = await TextSocket.open(t.baseUrl);
      client.send('Hello');
      expect(await client.untilEnd()).toEqual([
        'user: Hello',
        'assistant_agent: Streamed in four parts TERMINATE',
        "Done: Text 'TERMINATE' mentioned",
      ]);
      await client.close();
    });

    it('answers a text frame sent while the model works with an Error frame, and goes on', async () => {
      // The model's answer is held until the interjection has been answered.
      let release!: () => void;
      const hold = new Promise<void>((resolve) => (release = resolve));
      model.push({ type: 'text', text: 'Slowly TERMINATE', hold });
      const client = await TextSocket.open(t.baseUrl);
      client.send('Hello');
      await client.waitFor((f) => f === 'user: Hello');
      client.send('Are you there?');
      await client.waitFor((f) => f === NO_INPUT_PENDING);
      release();
      await client.waitFor((f) => f === 'assistant_agent: Slowly TERMINATE');
      await client.close();
    });

    it('cancels the run when the socket closes: the model request is aborted', async () => {
      model.push({ type: 'text', text: 'This answer takes far too long TERMINATE', delayMs: 2_000 });
      const before = model.requests.length;
      const client = await TextSocket.open(t.baseUrl);
      client.send('Hello');
      await eventually(() => model.requests.length > before, 'the model request');
      await client.close();
      await expect(model.requests[before]!.outcome).resolves.toBe('closed-early');
    });
  });
});
