/** The shape of one `tessera` sub-command. */
export interface CommandContext {
  /** Human-readable output: stdout normally, stderr under --json so stdout holds only the JSON. */
  log(line: string): void;
  json: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the result object printed as the last line under --json. */
  run(argv: string[], ctx: CommandContext): Promise<Record<string, unknown> | unknown[]>;
}
