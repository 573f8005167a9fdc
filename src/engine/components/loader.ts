/**
 * Loading ComponentModels into engine objects, with every failure a ConfigError that names the
 * JSON path of the offending value (`config.participants[1].config.model_client: …`).
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ChatCompletionClient } from '../models/model-client.js';
import { modelCallLabels, observeModelClient } from '../observer.js';
import { traceModelClient } from '../telemetry/index.js';
import type { Team } from '../teams/team.js';
import { COMPONENT_TYPES, ComponentModelSchema, joinPath, setComponentMeta, type ComponentType } from './component-model.js';
import { findEntry, knownProviders } from './registry.js';
import { ComponentConfigError, type ComponentTypeMap, type LoadContext, type LoadScope } from './registry-types.js';

/** Loads a team config (a ComponentModel whose provider is a team). MCP servers connect lazily, on first use. */
export function loadTeam(component: unknown, ctx: LoadContext): Team {
  return loadAt(component, ctx, '', 'team');
}

/** Loads any component; with `expected`, refuses a component of another type. */
export function loadComponent<K extends ComponentType>(component: unknown, ctx: LoadContext, expected: K): ComponentTypeMap[K];
export function loadComponent(component: unknown, ctx: LoadContext): ComponentTypeMap[ComponentType];
export function loadComponent(component: unknown, ctx: LoadContext, expected?: ComponentType): unknown {
  return loadAt(component, ctx, '', expected);
}

function loadAt<K extends ComponentType>(component: unknown, ctx: LoadContext, path: string, expected?: K): ComponentTypeMap[K] {
  const model = parseWith(ComponentModelSchema, component, path, 'not a component (expected {provider, config})');
  const entry = findEntry(model.provider);
  if (!entry) {
    throw new ComponentConfigError(path, `unknown provider "${model.provider}"`, `Known providers: ${knownProviders().join(', ')}`);
  }
  if (expected && entry.componentType !== expected) {
    throw new ConfigError(path, `expected a ${expected} component, but "${model.provider}" is a ${entry.componentType}`);
  }
  if (model.component_type && model.component_type !== entry.componentType && (COMPONENT_TYPES as readonly string[]).includes(model.component_type)) {
    throw new ConfigError(
      joinPath(path, 'component_type'),
      `"${model.component_type}" does not match provider "${model.provider}" (a ${entry.componentType})`,
    );
  }
  const config = parseWith(entry.schema, model.config, joinPath(path, 'config'), `invalid ${entry.provider.split('.').pop()} config`);
  const scope: LoadScope = {
    ctx,
    path,
    load: (value, type, ...segments) => loadAt(value, ctx, joinPath(path, 'config', ...segments), type),
  };
  let instance: ComponentTypeMap[ComponentType];
  try {
    instance = entry.load(config, scope, model.config);
    // A cache's inner client is instrumented itself: instrumenting the cache too would count a call twice.
    if (entry.componentType === 'model' && !entry.provider.endsWith('.ChatCompletionCache')) {
      const labels = modelCallLabels(entry.provider, model.config);
      // Spans first: traceModelClient replaces the methods on the instance itself, so it must see the
      // client, not the observer's Proxy (whose target it would patch, making the Proxy call itself).
      instance = traceModelClient(instance, labels);
      if (ctx.observer) {
        instance = observeModelClient(instance as ChatCompletionClient, { ...labels, model: labels.model ?? 'unknown' }, ctx.observer);
      }
    }
  } catch (error) {
    throw rebase(error, path);
  }
  setComponentMeta(instance, {
    description: model.description,
    label: model.label,
    version: model.version,
    component_version: model.component_version,
  });
  return instance as ComponentTypeMap[K];
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, path: string, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = joinPath(path, ...issue.path);
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  throw new ConfigError(at, `${what}: ${issue.message}${more}`, { cause: parsed.error });
}

/**
 * Constructors report paths relative to their own component (`config.handoffs[0]`); nested
 * loads already report absolute ones. Only the former get the component's path in front.
 */
function rebase(error: unknown, path: string): unknown {
  if (!(error instanceof ConfigError) || !path || error.path.startsWith(path) || !error.path.startsWith('config')) {
    return error;
  }
  const full = joinPath(path, error.path);
  const message = error.message.startsWith(`${error.path}: `) ? error.message.slice(error.path.length + 2) : error.message;
  if (error instanceof ComponentConfigError) return new ComponentConfigError(full, error.rawMessage, error.suggestion, { cause: error });
  return new ConfigError(full, message, { cause: error });
}
