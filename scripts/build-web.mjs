#!/usr/bin/env node
/**
 * Builds the playground page (web/) into dist/web/: index.html, app.js (one esbuild bundle of
 * web/src/main.ts) and app.css. Runs after `nest build` (which empties dist/), and is imported by
 * the browser tests so they always exercise the current source. Nothing is fetched from the
 * network, at build time or at run time.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundles web/ into `outdir` (default dist/web) and resolves with the directory written. */
export async function buildWeb({ outdir = `${root}dist/web`, minify = true } = {}) {
  await mkdir(outdir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'web/src/main.ts' },
    outdir,
    bundle: true,
    format: 'esm',
    // The team editor (CodeMirror) is a chunk of its own, fetched when the Teams view first opens.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: ['es2022'],
    platform: 'browser',
    sourcemap: true,
    minify,
    logLevel: 'warning',
  });
  await build({ absWorkingDir: root, entryPoints: { app: 'web/app.css' }, outdir, bundle: true, minify, logLevel: 'warning' });
  await copyFile(`${root}web/index.html`, `${outdir}/index.html`);
  return outdir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = await buildWeb();
  console.log(`playground built into ${outdir}`);
}
