/**
 * The wire shapes the page reads (protocol.md §1.2, §1.5, §1.7, §2.2–2.3). Typed loosely where the
 * server may add keys: the page only relies on the keys named here.
 */

/** An AGS ComponentModel: only `provider` and `config` are sure to be there. */
export interface Component {
  provider: string;
  component_type?: string;
  label?: string;
  description?: string;
  config: Record<string, unknown>;
}

export interface Row {
  id: number;
  created_at: string;
  updated_at: string;
}

export interface TeamRow extends Row {
  component: Component;
}

export interface SessionRow extends Row {
  name: string;
  team_id: number;
}

/** An AGS gallery file (protocol §1.2): named lists of components, plus metadata. */
export interface GalleryConfig {
  id?: string;
  name: string;
  url?: string | null;
  metadata?: { author?: string; version?: string; description?: string; tags?: string[] } & Record<string, unknown>;
  components: Record<'teams' | 'agents' | 'models' | 'tools' | 'workbenches' | 'terminations', Component[]>;
}

export interface Gallery extends Row {
  config: GalleryConfig;
}

export interface ValidationIssue {
  /** A JSON path into the component, like `config.participants[0].config.name`. */
  field: string;
  error: string;
  suggestion?: string;
}

export interface ValidationResult {
  is_valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

export interface TestResult {
  status: boolean;
  message: string;
  data?: unknown;
  logs: string[];
}

export interface EnvironmentVariable {
  name: string;
  value?: string;
  type?: string;
  description?: string;
  required?: boolean;
}

/** `GET /api/settings/`: environment values come back as the redaction marker. */
export interface Settings extends Row {
  config: {
    environment: EnvironmentVariable[];
    default_model_client?: Component | null;
    ui: {
      show_llm_call_events: boolean;
      expanded_messages_by_default?: boolean;
      show_agent_flow_by_default?: boolean;
      human_input_timeout_minutes: number;
    };
  } & Record<string, unknown>;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Present when the server knows the price (another part of the service adds it). */
  cost?: number;
}

/** An AgentChat message or event dump; `type` is the class name. */
export interface AgentMessage {
  id?: string;
  type: string;
  source: string;
  content?: unknown;
  models_usage?: Usage | null;
  metadata?: Record<string, string>;
  created_at?: string;
  /** HandoffMessage */
  target?: string;
  /** ModelClientStreamingChunkEvent: the id of the final message this chunk belongs to. */
  full_message_id?: string;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ToolResult {
  call_id: string;
  name?: string;
  content: string;
  is_error?: boolean;
}

export interface TeamResult {
  task_result?: { messages?: AgentMessage[]; stop_reason?: string | null };
  /** Real usage here (§2.5); AGS itself sends "". */
  usage?: Usage | string | null;
  duration?: number;
}

/** Keys every run frame carries on this server (§2.2); absent on an AGS server. */
interface Numbered {
  run_id?: number;
  seq?: number;
  /** When the server sent it (ISO), on frames other than `message`/`message_chunk`. */
  timestamp?: string;
}

export type RunFrame =
  | ({ type: 'message'; data: AgentMessage } & Numbered)
  | ({ type: 'message_chunk'; data: AgentMessage } & Numbered)
  | ({ type: 'input_request'; prompt: string; request_id?: string; source?: string; timeout_at?: string } & Numbered)
  | ({ type: 'result'; status: 'complete'; data: TeamResult } & Numbered)
  | ({ type: 'completion'; status: 'cancelled' | 'error'; data: TeamResult } & Numbered);

/**
 * On replay, in place of seqs `from`..`to` the server has no frame for: chunks compacted once
 * their message was stored (the message follows), or lost in a crash (§2.2). Its `seq` is `to`.
 */
export interface GapFrame {
  type: 'gap';
  run_id?: number;
  from: number;
  to: number;
  seq: number;
}

export type ServerFrame = RunFrame | GapFrame | { type: 'system'; status: string } | { type: 'error'; error: string } | { type: 'pong' };

export type RunStatus = 'created' | 'active' | 'complete' | 'error' | 'stopped';

/** One run as `GET /api/sessions/:id/runs` returns it. */
export interface RunRecord extends Row {
  status: RunStatus;
  team_result: TeamResult | null;
  messages: { config: AgentMessage }[];
  error_message?: string | null;
}
