/** Agent error codes. A code, once published, keeps its meaning. */
export const AGENT_ERRORS = Object.freeze({
  HM_AGENT_CONFIG: 'the agent config file is missing or invalid',
  HM_AGENT_FLAG: 'a command-line flag is invalid',
  HM_AGENT_ENROLL: 'enrollment with the collector failed',
  HM_AGENT_PIN: "the collector's certificate does not match the pin",
  HM_AGENT_NOT_APPLICABLE: 'a source does not exist on this machine',
  HM_AGENT_SPOOL: 'the disk spool cannot be opened or written',
} as const);

export type AgentErrorCode = keyof typeof AGENT_ERRORS;

export class AgentError extends Error {
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}
