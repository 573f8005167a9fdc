/**
 * AutoGen Studio's default gallery tools through the server: every one validates (AGS's team
 * builder calls /api/validate/ on every save), with the server's own tool resolution.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.js';

const gallery = JSON.parse(readFileSync(new URL('./fixtures/ags-default-gallery.json', import.meta.url), 'utf8')) as {
  components: { tools: { label: string; config: { name?: string } }[] };
};

describe("AGS's default gallery tools on the server", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { PYTHON_TOOLS: 'sandbox', PYTHON_POOL_SIZE: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(gallery.components.tools.map((tool) => [tool.label, tool] as const))('%s is valid', async (_label, tool) => {
    const res = await t.http.post('/api/validate/').send({ component: tool }).expect(200);
    expect(res.body).toEqual({ is_valid: true, errors: [], warnings: [] });
  });

  it('a FunctionTool with Python source and no registered tool of its name is valid: it runs in the sandbox', async () => {
    const component = {
      provider: 'autogen_core.tools.FunctionTool',
      component_type: 'tool',
      config: { name: 'shout', source_code: 'def shout(text: str) -> str:\n    return text.upper()\n' },
    };
    const res = await t.http.post('/api/validate/').send({ component }).expect(200);
    expect(res.body).toEqual({ is_valid: true, errors: [], warnings: [] });
  });
});
