import { describe, expect, it } from 'vitest';
import { calculatorTool, weatherForecastTool } from './builtins.js';
import { ToolRegistry } from './tool-registry.js';

describe(ToolRegistry.name, () => {
  it('finds tools by name and lists the names sorted', () => {
    const registry = new ToolRegistry([weatherForecastTool, calculatorTool]);

    expect(registry.get('calculator')).toBe(calculatorTool);
    expect(registry.has('weather_forecast')).toBe(true);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.names()).toEqual(['calculator', 'weather_forecast']);
  });

  it('refuses a second tool with the same name', () => {
    const registry = new ToolRegistry([calculatorTool]);

    expect(() => registry.register(calculatorTool)).toThrow(/already registered/);
  });
});
