/**
 * The AGS ComponentModel: the JSON shape every team, agent, model, tool, workbench, context and
 * termination is saved in (protocol §1.9). Only `provider` and `config` are required.
 */
import { z } from 'zod';

export const COMPONENT_TYPES = ['team', 'agent', 'model', 'tool', 'workbench', 'termination', 'chat_completion_context', 'memory'] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const ComponentModelSchema = z.object({
  provider: z.string().min(1),
  component_type: z.string().nullish(),
  version: z.number().int().nullish(),
  component_version: z.number().int().nullish(),
  description: z.string().nullish(),
  label: z.string().nullish(),
  config: z.record(z.string(), z.unknown()),
});

/** A component as saved by AGS. */
export interface ComponentModel {
  provider: string;
  component_type?: ComponentType | null;
  version?: number | null;
  component_version?: number | null;
  description?: string | null;
  label?: string | null;
  config: Record<string, unknown>;
}

/** An engine object that can write itself back as a ComponentModel's `config`. */
export interface Configurable {
  /** The canonical AGS provider string, e.g. `autogen_agentchat.teams.RoundRobinGroupChat`. */
  readonly provider: string;
  readonly componentType: ComponentType;
  toConfig(): Record<string, unknown>;
}

export function isConfigurable(value: unknown): value is Configurable {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Configurable>;
  return typeof candidate.provider === 'string' && typeof candidate.componentType === 'string' && typeof candidate.toConfig === 'function';
}

/** The envelope fields of the ComponentModel an instance was loaded from, kept for round-trips. */
export interface ComponentMeta {
  description?: string | null;
  label?: string | null;
  version?: number | null;
  component_version?: number | null;
}

// A WeakMap rather than a field on every class: labels are AGS bookkeeping, not engine state.
const metaByInstance = new WeakMap<object, ComponentMeta>();

export function setComponentMeta(instance: object, meta: ComponentMeta): void {
  metaByInstance.set(instance, meta);
}

export function getComponentMeta(instance: object): ComponentMeta | undefined {
  return metaByInstance.get(instance);
}

/** `config.participants[1].config.model_client` style paths. */
export function joinPath(base: string, ...segments: (string | number | symbol)[]): string {
  let out = base;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}
