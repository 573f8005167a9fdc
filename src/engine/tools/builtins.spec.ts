import { describe, expect, it } from 'vitest';
import { builtinTools, calculatorTool, createCurrentTimeTool, weatherForecastTool } from './builtins.js';

const context = () => ({ signal: new AbortController().signal });

describe(builtinTools.name, () => {
  it('offers calculator, weather_forecast and current_time', () => {
    expect(builtinTools().map((t) => t.name)).toEqual(['calculator', 'weather_forecast', 'current_time']);
  });
});

describe('calculator', () => {
  it.each([
    ['+', 6, 3, '9'],
    ['-', 6, 3, '3'],
    ['*', 6, 3, '18'],
    ['/', 6, 3, '2'],
    ['/', 1, 4, '0.25'],
  ])('computes %s on %d and %d', async (operator, a, b, expected) => {
    await expect(calculatorTool.run({ a, b, operator }, context())).resolves.toEqual({ content: expected, isError: false });
  });

  it('reports division by zero as an error result', async () => {
    await expect(calculatorTool.run({ a: 1, b: 0, operator: '/' }, context())).resolves.toEqual({
      content: 'Error: Division by zero',
      isError: true,
    });
  });

  it('refuses an unknown operator', async () => {
    await expect(calculatorTool.run({ a: 1, b: 2, operator: '^' }, context())).resolves.toMatchObject({ isError: true });
  });
});

describe('weather_forecast', () => {
  it('gives the same mock forecast every time', async () => {
    await expect(weatherForecastTool.run({ city: 'Paris' }, context())).resolves.toEqual({
      content: 'The weather forecast for Paris is sunny.',
      isError: false,
    });
  });

  it('needs a city', async () => {
    await expect(weatherForecastTool.run({}, context())).resolves.toMatchObject({ isError: true });
  });
});

describe('current_time', () => {
  const fixed = createCurrentTimeTool(() => new Date('2024-05-01T12:30:00Z'));

  it('answers in UTC by default', async () => {
    await expect(fixed.run({}, context())).resolves.toEqual({ content: '2024-05-01 12:30:00 UTC (GMT+00:00)', isError: false });
  });

  it('answers in the given IANA time zone', async () => {
    await expect(fixed.run({ timezone: 'Europe/Paris' }, context())).resolves.toEqual({
      content: '2024-05-01 14:30:00 Europe/Paris (GMT+02:00)',
      isError: false,
    });
  });

  it('refuses a time zone that does not exist', async () => {
    const result = await fixed.run({ timezone: 'Mars/Olympus' }, context());

    expect(result.isError).toBe(true);
    expect(result.content).toMatch(/timezone: not a known IANA time zone/);
  });
});
