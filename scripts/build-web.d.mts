/** Types of scripts/build-web.mjs, for the browser tests that import it. */
export function buildWeb(options?: { outdir?: string; minify?: boolean }): Promise<string>;
