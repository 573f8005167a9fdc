import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildAsyncApiDocument, frameJsonSchemas } from './asyncapi.js';

const require = createRequire(import.meta.url);
// The official JSON Schema of AsyncAPI 3.0.0, as published by the AsyncAPI initiative (@asyncapi/specs).
const asyncApi300 = require('@asyncapi/specs/schemas/3.0.0-without-$id.json') as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function specValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  return ajv.compile(asyncApi300);
}

/** Every `$ref` string in a JSON value. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refs(v)));
  return [];
}

describe('the AsyncAPI document', () => {
  const document = buildAsyncApiDocument('1.2.3');

  it('is valid against the AsyncAPI 3.0.0 JSON Schema', () => {
    const validate = specValidator();
    const ok = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the validator is not vacuous: a document without info, or with an unknown operation action, fails', () => {
    const validate = specValidator();
    const { info: _info, ...noInfo } = document;
    expect(validate(noInfo)).toBe(false);
    const ops = document.operations as Record<string, Record<string, unknown>>;
    const badAction = { ...document, operations: { ...ops, receiveClientFrame: { ...ops.receiveClientFrame, action: 'publish' } } };
    expect(validate(badAction)).toBe(false);
  });

  it('every local $ref points at something in the document', () => {
    for (const ref of refs(document)) {
      expect(ref.startsWith('#/')).toBe(true);
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
      expect(target, ref).toBeDefined();
    }
  });

  it('payloads come from the zod frame schemas: shared parts are components, client frame types are the parser’s', () => {
    const schemas = frameJsonSchemas();
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['ClientFrame', 'ResultFrame', 'GapFrame', 'AgentMessage', 'TeamResult']));
    const client = JSON.stringify(schemas.ClientFrame);
    for (const type of ['start', 'stop', 'input_response', 'ping']) expect(client).toContain(`"const":"${type}"`);
    expect(schemas.GapFrame).toMatchObject({ required: ['type', 'run_id', 'from', 'to', 'seq'] });
    expect(document.info).toMatchObject({ version: '1.2.3' });
  });

  it('describes both auth forms: a bearer header and a ?token= query', () => {
    expect((document.components as Record<string, unknown>).securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      queryToken: { type: 'httpApiKey', in: 'query', name: 'token' },
    });
  });
});
