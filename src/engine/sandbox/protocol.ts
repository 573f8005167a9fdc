/**
 * The wire between the server and a sandbox process: one JSON object a line, requests on the
 * child's fd 0, replies on its fd 1 (read and written raw by the child, see child.ts). The child is treated as hostile once user code has run
 * in it, so every reply is parsed with a schema and bounded in size before it is believed.
 */
import { z } from 'zod';

/** Run a FunctionTool's function: its imports and source are defined once per tool and run. */
export interface FunctionCallRequest {
  t: 'call';
  id: number;
  /** The run this call belongs to: a process that ran code for one session never serves another. */
  session: string;
  kind: 'function';
  /** Identifies the tool instance; its namespace (module globals) lives as long as the run's process. */
  toolKey: string;
  /** Python import statements built from `global_imports`. */
  imports: string;
  source: string;
  /** The function to call, a top-level `def` of `source`. */
  function: string;
  /** Arguments as the model sent them (a JSON object). A `cancellation_token` parameter gets a stub. */
  args: Record<string, unknown>;
  maxOutputChars: number;
}

/** Run a code block as a script (PythonCodeExecutionTool), in a fresh namespace. */
export interface CodeCallRequest {
  t: 'call';
  id: number;
  session: string;
  kind: 'code';
  code: string;
  maxOutputChars: number;
}

export type CallRequest = FunctionCallRequest | CodeCallRequest;

export type ChildRequest = CallRequest;

const text = z.string();

/** A function call's outcome: its return value as text, or the exception as AgentChat formats it. */
const FunctionReply = z.object({
  t: z.literal('result'),
  id: z.number().int(),
  kind: z.literal('function'),
  ok: z.boolean(),
  text,
});

/** A code block's outcome: exit code and output (stderr then stdout, as LocalCommandLineCodeExecutor). */
const CodeReply = z.object({
  t: z.literal('result'),
  id: z.number().int(),
  kind: z.literal('code'),
  exitCode: z.number().int(),
  output: text,
});

export const ChildReplySchema = z.union([
  z.object({ t: z.literal('ready'), startMs: z.number() }),
  z.object({ t: z.literal('fatal'), message: text }),
  FunctionReply,
  CodeReply,
]);

export type ChildReply = z.infer<typeof ChildReplySchema>;
export type CallReply = z.infer<typeof FunctionReply> | z.infer<typeof CodeReply>;
