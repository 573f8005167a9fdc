/** The streaming layer's tunables and limits: the app config's `runs` section, injected on its own. */
import type { RunsConfig } from '../config/config.js';

export const STREAMING_OPTIONS = Symbol('STREAMING_OPTIONS');

export type StreamingOptions = RunsConfig;
