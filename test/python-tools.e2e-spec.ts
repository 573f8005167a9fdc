/**
 * AutoGen Studio's default gallery tools through the server: every one validates (AGS's team
 * builder calls /api/validate/ on every save), with the server's own tool resolution.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadContext } from '../src/engine/index.js';
import { ENGINE_CONTEXT } from '../src/live-runs/engine-context.provider.js';
import { teamFixture } from './support/fixtures.js';
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

describe('PYTHON_TOOLS by default', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No PYTHON_TOOLS given: the default.
    t = await startTestApp({ env: { PYTHON_POOL_SIZE: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is the sandbox, whose pool starts with the first config that needs Python, not at boot nor for configs without it', async () => {
    expect(t.config.tools.python).toBe('sandbox');
    const python = t.app.get<LoadContext>(ENGINE_CONTEXT, { strict: false }).python!;
    expect(python).toBeDefined();
    expect(python.pids()).toEqual([]);
    // A team whose only tool is registered (weather_forecast, the demo gallery's): no Python.
    const team = await t.http
      .post('/api/validate/')
      .send({ component: teamFixture('weather-tool') })
      .expect(200);
    expect(team.body).toMatchObject({ is_valid: true });
    expect(python.pids()).toEqual([]);
    const component = {
      provider: 'autogen_core.tools.FunctionTool',
      component_type: 'tool',
      config: { name: 'shout', source_code: 'def shout(text: str) -> str:\n    return text.upper()\n' },
    };
    const tool = await t.http.post('/api/validate/').send({ component }).expect(200);
    expect(tool.body).toEqual({ is_valid: true, errors: [], warnings: [] });
    expect(python.pids()).toHaveLength(1);
  });
});
