/** The shape of one `tessera` sub-command. */
export interface CommandContext {
  /** Human-readable output: stdout normally, stderr under --json so stdout holds only the JSON. */
  log(line: string): void;
  json: boolean;
  /** Set by a command that ends otherwise than in success without an error (130: interrupted). */
  exitCode?: number;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the result object printed as the last line under --json. */
  run(argv: string[], ctx: CommandContext): Promise<Record<string, unknown> | unknown[]>;
}
