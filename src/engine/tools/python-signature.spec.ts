import { describe, expect, it } from 'vitest';
import { docstringSummary, findPythonFunction, parametersSchema, parsePythonLiteral } from './python-signature.js';

function schemaOf(source: string, name = 'f') {
  const fn = findPythonFunction(source, name);
  if (!fn) throw new Error('no function');
  return parametersSchema(fn);
}

describe('findPythonFunction', () => {
  it('finds the named top-level function, never one inside a string or a body', () => {
    const source = [
      'HELP = """',
      'def fake(x): pass',
      '"""',
      'def helper(a: int) -> int:',
      '    def inner(b: str): ...',
      '    return a',
      '',
      'async def main(q: str) -> str:',
      '    return q',
    ].join('\n');
    expect(findPythonFunction(source, 'main')).toMatchObject({ name: 'main', isAsync: true, parameters: [{ name: 'q', annotation: 'str' }] });
    expect(findPythonFunction(source, 'helper')).toMatchObject({ name: 'helper', isAsync: false });
    expect(findPythonFunction(source, 'fake')).toBeUndefined();
    expect(findPythonFunction(source, 'inner')).toBeUndefined();
    expect(findPythonFunction('x = 1\n', 'f')).toBeUndefined();
  });

  it('reads parameters across lines, with brackets, strings and comments in annotations and defaults', () => {
    const fn = findPythonFunction(
      'def f(\n    a: Dict[str, "Tuple[int, int]"],  # a comment, with (parens\n    b: str = "x, y)",\n    *args,\n    c: int = 3,\n    **kwargs,\n) -> None: ...\n',
      'f',
    );
    expect(fn?.parameters).toEqual([
      { name: 'a', annotation: 'Dict[str, "Tuple[int, int]"]' },
      { name: 'b', annotation: 'str', default: '"x, y)"' },
      { name: 'c', annotation: 'int', default: '3' },
    ]);
  });

  it('reads the docstring the way inspect.cleandoc does', () => {
    const fn = findPythonFunction('def f():\n    """Summary line\n    continued.\n\n    More.\n    """\n', 'f');
    expect(fn?.docstring).toBe('Summary line\ncontinued.\n\nMore.');
    expect(docstringSummary(fn?.docstring)).toBe('Summary line continued.');
  });
});

describe('parametersSchema', () => {
  it("derives AGS's calculator schema as AgentChat does (pydantic titles; the name as the description)", () => {
    expect(schemaOf('def calculator(a: float, b: float, operator: str) -> str:\n    pass\n', 'calculator')).toEqual({
      type: 'object',
      properties: {
        a: { type: 'number', title: 'A', description: 'a' },
        b: { type: 'number', title: 'B', description: 'b' },
        operator: { type: 'string', title: 'Operator', description: 'operator' },
      },
      required: ['a', 'b', 'operator'],
    });
  });

  it('maps Optional, Literal, Path, containers and defaults, with Args: lines as descriptions', () => {
    const source = [
      'async def generate_image(',
      '    query: str, output_dir: Optional[Path] = None, image_size: Literal["1024x1024", "512x512", "256x256"] = "1024x1024"',
      ') -> List[str]:',
      '    """',
      "    Generate images using OpenAI's DALL-E model based on a text description.",
      '',
      '    Args:',
      '        query: Natural language description of the desired image',
      '        output_dir: Directory to save generated images (default: current directory)',
      '        image_size: Size of generated image (1024x1024, 512x512, or 256x256)',
      '    """',
    ].join('\n');
    expect(schemaOf(source, 'generate_image')).toEqual({
      type: 'object',
      properties: {
        query: { type: 'string', title: 'Query', description: 'Natural language description of the desired image' },
        output_dir: {
          anyOf: [{ type: 'string', format: 'path' }, { type: 'null' }],
          title: 'Output Dir',
          default: null,
          description: 'Directory to save generated images (default: current directory)',
        },
        image_size: {
          enum: ['1024x1024', '512x512', '256x256'],
          type: 'string',
          title: 'Image Size',
          default: '1024x1024',
          description: 'Size of generated image (1024x1024, 512x512, or 256x256)',
        },
      },
      required: ['query'],
    });
  });

  it('uses an Annotated description first, and reads X | None, dict and list generics', () => {
    const schema = schemaOf(
      'def f(ticker: str, date: Annotated[str, "Date in YYYY/MM/DD"], tags: list[str] | None = None, extra: Dict[str, int] = {}, anything=1, cancellation_token: CancellationToken = None): ...',
    );
    expect(schema.properties).toEqual({
      ticker: { type: 'string', title: 'Ticker', description: 'ticker' },
      date: { type: 'string', title: 'Date', description: 'Date in YYYY/MM/DD' },
      tags: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }], title: 'Tags', default: null, description: 'tags' },
      extra: { type: 'object', additionalProperties: { type: 'integer' }, title: 'Extra', default: {}, description: 'extra' },
      anything: { title: 'Anything', default: 1, description: 'anything' },
    });
    expect(schema.required).toEqual(['ticker', 'date']);
  });

  it('gives an annotation it cannot read no type rather than a wrong one', () => {
    expect(schemaOf('def f(x: Callable[[int], str], y: "MyModel"): ...').properties).toEqual({
      x: { title: 'X', description: 'x' },
      y: { title: 'Y', description: 'y' },
    });
  });
});

describe('parsePythonLiteral', () => {
  it.each([
    ['None', null],
    ['True', true],
    ['-2.5', -2.5],
    ["'it\\'s'", "it's"],
    ['"a" "b"', 'ab'],
    ['[1, (2, 3), {"k": None}]', [1, [2, 3], { k: null }]],
  ])('reads %s', (text, value) => {
    expect(parsePythonLiteral(text)).toEqual({ ok: true, value });
  });

  it('refuses what is not a literal', () => {
    expect(parsePythonLiteral('os.getcwd()')).toEqual({ ok: false });
    expect(parsePythonLiteral('DEFAULT')).toEqual({ ok: false });
  });
});
