/**
 * validateComponent: AGS's /api/validate answer for a component config, by loading it.
 */
import { ConfigError } from '../errors.js';
import { GraphFlow } from '../teams/graph-flow/graph-flow.js';
import { isConfigurable } from './component-model.js';
import { loadComponent } from './loader.js';
import { ComponentConfigError, type LoadContext } from './registry-types.js';

export interface ValidationIssue {
  /** JSON path of the offending value (`config.participants[0].config.model_client`), or `component`. */
  field: string;
  error: string;
  suggestion?: string;
}

/** AGS's ValidationResponse. */
export interface ValidationResult {
  is_valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/**
 * Checks that a component loads (any type: team, agent, model, …). Loading builds objects but
 * opens nothing (model clients and MCP servers connect on first use), so nothing needs closing.
 */
export function validateComponent(component: unknown, ctx: LoadContext): ValidationResult {
  try {
    const loaded = loadComponent(component, ctx);
    return { is_valid: true, errors: [], warnings: warningsOf(loaded) };
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      return { is_valid: false, errors: [{ field: 'component', error: error instanceof Error ? error.message : String(error) }], warnings: [] };
    }
    const issue: ValidationIssue = { field: error.path || 'component', error: stripPath(error) };
    if (error instanceof ComponentConfigError) {
      issue.error = error.rawMessage;
      if (error.suggestion) issue.suggestion = error.suggestion;
    }
    return { is_valid: false, errors: [issue], warnings: [] };
  }
}

/**
 * What loads but will not behave as the user likely means: a team that cannot end by itself
 * (AgentChat would run it forever; this server stops it at its run caps). A GraphFlow that loads
 * always ends: a cyclic graph without a condition or max_turns is refused at load (as AgentChat
 * refuses it), and an acyclic one ends with "Digraph execution is complete".
 */
function warningsOf(component: unknown): ValidationIssue[] {
  if (!isConfigurable(component) || component.componentType !== 'team' || component instanceof GraphFlow) return [];
  const config = component.toConfig();
  if (config.termination_condition !== undefined || config.max_turns != null) return [];
  return [
    {
      field: 'config.termination_condition',
      error: 'The team has no termination condition and no max_turns: it runs until the server stops it (RUN_MAX_TURNS, RUN_MAX_SECONDS)',
      suggestion: 'Add a termination condition (e.g. TextMentionTermination or MaxMessageTermination) or set max_turns',
    },
  ];
}

function stripPath(error: ConfigError): string {
  const prefix = `${error.path}: `;
  return error.path && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}
