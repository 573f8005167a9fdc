/**
 * The credential rules of a user's `settings.config.environment` (AGS keeps API keys there): a
 * stored key is restored from the redaction marker only while the endpoint variable it is bound
 * to is unchanged (as restoreSecrets does for `api_key` beside `base_url` in team configs), and
 * endpoint variables are checked when saved, so a bad one is refused at the Settings page rather
 * than failing a later run at a field the user never wrote.
 */
import { AppError } from '../common/errors.js';
import { SECRET_MARKER } from '../common/secrets.js';
import { CREDENTIAL_KINDS, type EgressPolicy } from '../engine/index.js';

interface Variable {
  name: string;
  value?: unknown;
}

/** The value `name` has in `variables` (the first with that name), or undefined when absent or blank. */
function valueOf(variables: readonly Variable[], name: string): string | undefined {
  const value = variables.find((v) => v.name === name)?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `incoming` with each variable sent back as the marker given its stored value (matched by
 * name; none stored: AppError bad_request naming it, as for a variable renamed in the page), except a credential key (CREDENTIAL_KINDS: OPENAI_API_KEY,
 * AZURE_OPENAI_API_KEY, ANTHROPIC_API_KEY) whose endpoint variable (OPENAI_BASE_URL,
 * AZURE_OPENAI_ENDPOINT, ANTHROPIC_BASE_URL) changed, was added or was removed: that key is
 * dropped from the list, so the stored key never follows a new endpoint and the answer shows the
 * user it must be typed again. An endpoint variable sent back as the marker counts as unchanged.
 */
export function restoreVariables<T extends Variable>(incoming: readonly T[], stored: readonly Variable[]): T[] {
  const restored = (variable: T): T => {
    if (variable.value !== SECRET_MARKER) return variable;
    const value = stored.find((v) => v.name === variable.name)?.value;
    // A renamed (or new) variable sent with the marker has nothing stored to keep: refuse it
    // rather than save it empty, so no value is lost without the user being told.
    if (typeof value !== 'string') {
      const at = incoming.indexOf(variable);
      throw new AppError(
        'bad_request',
        `config.environment[${at}].value: ${variable.name} has no stored value to keep (was it renamed?); enter its value`,
      );
    }
    return { ...variable, value };
  };
  const dropped = new Set<string>();
  for (const { keyVariable, endpointVariable } of CREDENTIAL_KINDS) {
    if (incoming.find((v) => v.name === keyVariable)?.value !== SECRET_MARKER) continue;
    const endpointNow = valueOf(incoming.map(restored), endpointVariable);
    if (endpointNow !== valueOf(stored, endpointVariable)) dropped.add(keyVariable);
  }
  return incoming.filter((v) => !(dropped.has(v.name) && v.value === SECRET_MARKER)).map(restored);
}

/**
 * Checks the endpoint variables of the known credential kinds (OPENAI_BASE_URL,
 * AZURE_OPENAI_ENDPOINT, ANTHROPIC_BASE_URL) as a run would, without the network: an http(s)
 * URL that the egress policy does not refuse outright (its precheck: scheme, `localhost`
 * names, literal private or metadata addresses not in EGRESS_ALLOW). Names resolved by DNS are
 * still checked at each request.
 * @throws AppError bad_request naming `config.environment[<i>].value` and the variable
 */
export function checkEndpointVariables(variables: readonly Variable[], egress: EgressPolicy): void {
  const problems: string[] = [];
  variables.forEach((variable, i) => {
    if (!CREDENTIAL_KINDS.some((k) => k.endpointVariable === variable.name)) return;
    if (typeof variable.value !== 'string' || variable.value === '' || variable.value === SECRET_MARKER) return;
    const refusal = endpointRefusal(variable.value, egress);
    if (refusal) problems.push(`config.environment[${i}].value: ${variable.name} ${refusal}`);
  });
  if (problems.length > 0) throw new AppError('bad_request', problems.join('; '));
}

/** Why `url` cannot be an endpoint variable, or undefined when it may be one. */
export function endpointRefusal(url: string, egress: EgressPolicy): string | undefined {
  const refusal = egress.precheck(url);
  return refusal ? (refusal === 'is not a URL' ? 'is not a URL' : `is refused by the egress policy: ${refusal}`) : undefined;
}
