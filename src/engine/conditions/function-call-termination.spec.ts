/**
 * FunctionCallTermination. Expected values are AgentChat's: it fires on a ToolCallExecutionEvent
 * holding a result of the named function (not on the request), with the stop reason
 * `Function '<name>' was executed.` from source FunctionCallTermination, and can be reset.
 */
import { describe, expect, it } from 'vitest';
import { dumpComponent } from '../components/dump.js';
import { loadComponent } from '../components/loader.js';
import { RunStateError } from '../errors.js';
import { createMessage } from '../messages.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { FunctionCallTermination } from './function-call-termination.js';

const request = (name: string) => createMessage('ToolCallRequestEvent', 'a', { content: [{ id: '1', name, arguments: '{}' }] });
const executed = (name: string) =>
  createMessage('ToolCallExecutionEvent', 'a', { content: [{ content: 'ok', name, call_id: '1', is_error: false }] });

describe(FunctionCallTermination.name, () => {
  it('fires when the function has run, with AgentChat’s stop reason', () => {
    const c = new FunctionCallTermination('approve');
    expect(c.check([request('approve')])).toBeNull();
    expect(c.check([executed('other')])).toBeNull();
    expect(c.check([request('approve'), executed('approve')])).toMatchObject({
      type: 'StopMessage',
      source: 'FunctionCallTermination',
      content: "Function 'approve' was executed.",
    });
    expect(() => c.check([])).toThrow(RunStateError);
    c.reset();
    expect(c.check([executed('other')])).toBeNull();
  });

  it('loads from and dumps to AgentChat’s config', () => {
    const component = {
      provider: 'autogen_agentchat.conditions.FunctionCallTermination',
      component_type: 'termination',
      version: 1,
      component_version: 1,
      description: 'Terminate the conversation if a FunctionExecutionResult with a specific name is received.',
      label: 'FunctionCallTermination',
      config: { function_name: 'approve' },
    };
    const loaded = loadComponent(component, { tools: new ToolRegistry([]), credentials: {} }, 'termination');
    expect(dumpComponent(loaded)).toEqual(component);
  });

  it('FunctionalTermination cannot come from JSON: AgentChat does not make it a Component (its condition is a Python callable)', () => {
    expect(() =>
      loadComponent({ provider: 'autogen_agentchat.conditions.FunctionalTermination', config: {} }, { tools: new ToolRegistry([]), credentials: {} }),
    ).toThrow(/unknown provider "autogen_agentchat.conditions.FunctionalTermination"/);
  });
});
