/**
 * Registry entry for AgentChat's MultimodalWebSurfer (`autogen_ext.agents.web_surfer`), the
 * "Web Surfer Agent" of AGS's gallery. Its browser is Debian's chromium (CHROMIUM_PATH, default
 * `/usr/bin/chromium`); web_search opens WEB_SURFER_SEARCH_URL (default Bing's results page, as
 * AgentChat). Both come from the load context (LoadContext.webSurfer), which the server and the
 * CLI fill from their validated settings; the engine never reads the process environment for
 * them. Every request of the browser goes through the context's egress policy.
 */
import { z } from 'zod';
import { DEFAULT_SEARCH_URL, MultimodalWebSurfer, type WebSurferConfig } from '../agents/web-surfer/multimodal-web-surfer.js';
import { ComponentModelSchema } from './component-model.js';
import { ComponentConfigError, defineEntry, egressOf, type RegistryEntry, type WebSurferSettings } from './registry-types.js';

const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

const WebSurferSchema = z.object({
  name: z.string().min(1),
  model_client: ComponentModelSchema,
  description: z.string().nullish(),
  headless: z.boolean().nullish(),
  start_page: z.string().nullish(),
  animate_actions: z.boolean().nullish(),
  to_save_screenshots: z.boolean().nullish(),
  use_ocr: z.boolean().nullish(),
  browser_channel: z.string().min(1).nullish(),
  browser_data_dir: z.string().nullish(),
  to_resize_viewport: z.boolean().nullish(),
});

/**
 * The browser settings of a load context (LoadContext.webSurfer), defaults filled in: Debian's
 * chromium and Bing's results page (as AgentChat's web_search).
 * @throws ComponentConfigError when the search URL has no `{query}`
 */
export function resolveWebSurferSettings(settings: WebSurferSettings | undefined): { executablePath: string; searchUrl: string } {
  const searchUrl = settings?.searchUrl || DEFAULT_SEARCH_URL;
  if (!searchUrl.includes('{query}')) {
    throw new ComponentConfigError('', 'WEB_SURFER_SEARCH_URL must contain {query}', 'Set it like https://www.bing.com/search?q={query}');
  }
  return { executablePath: settings?.chromiumPath || DEFAULT_CHROMIUM_PATH, searchUrl };
}

export const webSurferEntries: RegistryEntry[] = [
  defineEntry({
    provider: 'autogen_ext.agents.web_surfer.MultimodalWebSurfer',
    componentType: 'agent',
    schema: WebSurferSchema,
    load: (c, scope, raw) => {
      // Both would write where a config says on the server's disk, which a user must not choose.
      if (c.to_save_screenshots) {
        throw new ComponentConfigError(
          'config.to_save_screenshots',
          'saving screenshots to the server is not supported',
          "Set it to false: every screenshot is in the run's messages",
        );
      }
      if (c.browser_data_dir) {
        throw new ComponentConfigError(
          'config.browser_data_dir',
          'a browser profile directory on the server is not supported',
          'Leave it null: each run gets a fresh profile',
        );
      }
      const modelClient = scope.load(c.model_client, 'model', 'model_client');
      const settings = resolveWebSurferSettings(scope.ctx.webSurfer);
      return new MultimodalWebSurfer(c as WebSurferConfig, modelClient, { egress: egressOf(scope.ctx).egress, ...settings }, raw);
    },
  }),
];
