/**
 * The component registry: an explicit map from AGS provider strings (and short class names) to
 * entries. A provider not in this map is refused; nothing named in a config is ever imported.
 */
import { agentAndTeamEntries } from './entries-agents-teams.js';
import { anthropicEntries } from './entries-anthropic.js';
import { catalogExtEntries } from './entries-catalog-ext.js';
import { catalogAgentEntries } from './entries-catalog-agents.js';
import { conditionEntries } from './entries-conditions.js';
import { modelAndToolEntries } from './entries-models-tools.js';
import type { RegistryEntry } from './registry-types.js';
import { webSurferEntries } from './entries-web-surfer.js';

const ENTRIES: readonly RegistryEntry[] = [
  ...agentAndTeamEntries,
  ...catalogAgentEntries,
  ...modelAndToolEntries,
  ...conditionEntries,
  ...anthropicEntries,
  ...catalogExtEntries,
  ...webSurferEntries,
];

const BY_PROVIDER: ReadonlyMap<string, RegistryEntry> = new Map(
  ENTRIES.flatMap((entry) => [entry.provider, ...entry.aliases].map((name) => [name, entry] as const)),
);

/** The entry for a provider string (canonical or alias), if the engine knows it. */
export function findEntry(provider: string): RegistryEntry | undefined {
  return BY_PROVIDER.get(provider);
}

/** Every canonical provider string, for error messages and docs. */
export function knownProviders(): string[] {
  return ENTRIES.map((e) => e.provider);
}
