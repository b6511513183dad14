/** The shape of one `tessera` sub-command. */
import type { CommandSyntax } from './args.js';

export interface CommandContext {
  /** Human-readable output: stdout normally, stderr under --json so stdout holds only the JSON. */
  log(line: string): void;
  json: boolean;
  /** Set by a command that ends otherwise than in success without an error (130: interrupted). */
  exitCode?: number;
}

export interface Command extends CommandSyntax {
  summary: string;
  usage: string;
  /**
   * What the run has kept on disk if it is stopped now (Ctrl-C), for the message main prints.
   * Only for commands whose work yields to the event loop (fit does), where a SIGINT handler
   * runs; the others keep Node's default Ctrl-C, which stops at once.
   */
  interrupted?(): string;
  /**
   * The command that handles these arguments instead, where one name covers models with options
   * of their own (`tessera pretrain bert`); its help and run are used.
   */
  variant?(argv: string[]): Command | undefined;
  /** Returns the result object printed as the last line under --json. */
  run(argv: string[], ctx: CommandContext): Promise<Record<string, unknown>>;
}
