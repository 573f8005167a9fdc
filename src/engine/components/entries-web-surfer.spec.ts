import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureLoadContext } from '../../../test/support/engine/fixtures.js';
import { MultimodalWebSurfer } from '../agents/web-surfer/multimodal-web-surfer.js';
import { ConfigError } from '../errors.js';
import type { ComponentModel } from './component-model.js';
import { dumpComponent } from './dump.js';
import { loadComponent } from './loader.js';
import { resolveWebSurferSettings } from './entries-web-surfer.js';

const ctx = fixtureLoadContext();
const gallery = JSON.parse(readFileSync(new URL('../../../test/fixtures/ags-default-gallery.json', import.meta.url), 'utf8'));
/** AGS's gallery "Web Surfer Agent". */
const surfer: ComponentModel = gallery.components.agents.find((a: ComponentModel) => a.label === 'Web Surfer Agent');

function withConfig(extra: Record<string, unknown>): ComponentModel {
  return { ...surfer, config: { ...surfer.config, ...extra } };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('MultimodalWebSurfer entry', () => {
  it("loads AGS's gallery Web Surfer Agent and dumps it back unchanged (no browser starts at load)", () => {
    const agent = loadComponent(surfer, ctx, 'agent');
    expect(agent).toBeInstanceOf(MultimodalWebSurfer);
    expect(agent.name).toBe('websurfer_agent');
    expect(agent.description).toBe('an agent that solves tasks by browsing the web');
    expect((agent as MultimodalWebSurfer).browser).toBeUndefined();
    expect(dumpComponent(agent)).toEqual(surfer);
  });

  it('keeps every AgentChat config key through a round trip, nulls included', () => {
    const full = withConfig({ browser_channel: null, browser_data_dir: null, start_page: 'http://example.com/', headless: true, use_ocr: true });
    expect(dumpComponent(loadComponent(full, ctx, 'agent'))).toEqual(full);
  });

  it('refuses what would write to the server disk, and a start page that is not http(s)', () => {
    // At the root the path is the component's own (not ".config…").
    expect(configError(() => loadComponent(withConfig({ to_save_screenshots: true }), ctx)).path).toBe('config.to_save_screenshots');
    expect(configError(() => loadComponent(withConfig({ to_save_screenshots: true }), ctx)).message).toMatch(
      /config\.to_save_screenshots.*saving screenshots to the server is not supported/,
    );
    expect(configError(() => loadComponent(withConfig({ browser_data_dir: '/root/.config/chromium' }), ctx)).message).toMatch(
      /config\.browser_data_dir.*not supported/,
    );
    expect(configError(() => loadComponent(withConfig({ start_page: 'file:///etc/passwd' }), ctx)).message).toMatch(
      /config\.start_page.*the scheme file: is not allowed/,
    );
    expect(configError(() => loadComponent(withConfig({ start_page: 'http://169.254.169.254/' }), ctx)).message).toMatch(
      /config\.start_page.*link-local/,
    );
  });

  it('refuses a model without vision or function calling, as AgentChat does', () => {
    const textOnly = structuredClone(surfer);
    (textOnly.config.model_client as ComponentModel).config = {
      model: 'local-model',
      base_url: 'http://example.com/v1',
      api_key: 'k',
      model_info: { vision: false, function_calling: true, json_output: false, family: 'unknown' },
    };
    expect(configError(() => loadComponent(textOnly, ctx)).message).toMatch(/not multimodal/);
  });

  it("takes the browser and search page from the load context, with Debian chromium and Bing (as AgentChat's web_search) by default", () => {
    const defaults = { executablePath: '/usr/bin/chromium', searchUrl: 'https://www.bing.com/search?q={query}&FORM=QBLH' };
    expect(resolveWebSurferSettings(undefined)).toEqual(defaults);
    expect(resolveWebSurferSettings({})).toEqual(defaults);
    expect(resolveWebSurferSettings({ chromiumPath: '/opt/c', searchUrl: 'https://search.example/?q={query}' })).toEqual({
      executablePath: '/opt/c',
      searchUrl: 'https://search.example/?q={query}',
    });
    expect(() => resolveWebSurferSettings({ searchUrl: 'https://search.example/' })).toThrow(/must contain \{query\}/);
  });

  it("loads with the context's settings and never reads them from the process environment", () => {
    // A context's search page without {query} is refused at load: the entry uses the context.
    expect(configError(() => loadComponent(surfer, { ...ctx, webSurfer: { searchUrl: 'https://search.example/' } })).message).toMatch(
      /must contain \{query\}/,
    );
    // The same bad value in the process environment changes nothing.
    const previous = process.env.WEB_SURFER_SEARCH_URL;
    process.env.WEB_SURFER_SEARCH_URL = 'https://search.example/';
    try {
      expect(loadComponent(surfer, ctx, 'agent')).toBeInstanceOf(MultimodalWebSurfer);
    } finally {
      if (previous === undefined) delete process.env.WEB_SURFER_SEARCH_URL;
      else process.env.WEB_SURFER_SEARCH_URL = previous;
    }
  });
});
