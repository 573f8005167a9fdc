/**
 * The tools every deployment has: the ones AutoGen Studio's default gallery and the AG2
 * websocket example use. AGS FunctionTool configs with these names resolve here.
 */
import { z } from 'zod';
import { tool, type Tool } from './tool.js';

/** AGS gallery's `calculator`: basic arithmetic on two numbers. */
export const calculatorTool: Tool = tool({
  name: 'calculator',
  description: 'A simple calculator that performs basic arithmetic operations (+, -, *, /) on two numbers.',
  parameters: z.object({
    a: z.number().describe('The first number'),
    b: z.number().describe('The second number'),
    operator: z.enum(['+', '-', '*', '/']).describe('The operation to perform'),
  }),
  execute: ({ a, b, operator }) => {
    switch (operator) {
      case '+':
        return String(a + b);
      case '-':
        return String(a - b);
      case '*':
        return String(a * b);
      case '/':
        // Thrown errors become an is_error result the model reads ("Error: Division by zero").
        if (b === 0) throw new Error('Division by zero');
        return String(a / b);
    }
  },
});

/**
 * The AG2 websocket example's mock forecast, made deterministic (the example also printed the
 * current time, which makes runs unrepeatable): `The weather forecast for <city> is sunny.`
 */
export const weatherForecastTool: Tool = tool({
  name: 'weather_forecast',
  description: 'Provides a mock weather forecast for a city.',
  parameters: z.object({ city: z.string().min(1).describe('The city to forecast') }),
  execute: ({ city }) => `The weather forecast for ${city} is sunny.`,
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `current_time` reading the given clock (tests pass a fixed one). */
export function createCurrentTimeTool(now: () => Date = () => new Date()): Tool {
  return tool({
    name: 'current_time',
    description: 'Returns the current date and time, in UTC or in the given IANA time zone.',
    parameters: z.object({
      timezone: z
        .string()
        .refine(isTimeZone, { message: 'not a known IANA time zone (e.g. "Europe/Paris")' })
        .optional()
        .describe('An IANA time zone such as "Europe/Paris"; UTC when omitted'),
    }),
    execute: ({ timezone }) => formatTime(now(), timezone ?? 'UTC'),
  });
}

/** `2024-05-01 14:30:00 Europe/Paris (GMT+02:00)`: unambiguous for a model and for a person. */
export function formatTime(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = part('timeZoneName') === 'GMT' ? 'GMT+00:00' : part('timeZoneName');
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${timeZone} (${offset})`;
}

/** The built-in tools, fresh each call: calculator, weather_forecast, current_time. */
export function builtinTools(options: { now?: () => Date } = {}): Tool[] {
  return [calculatorTool, weatherForecastTool, createCurrentTimeTool(options.now)];
}
