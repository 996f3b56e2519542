/** What every `specmatch` sub-command module exports. */
export interface CliIO {
  /** Contract output (one JSON object per line with --json, human text otherwise). */
  out(line: string): void;
  /** Logs, progress, warnings, error lines in human mode. Never contract output. */
  err(line: string): void;
  /** True when stderr is a terminal (progress bars may redraw). */
  errIsTTY: boolean;
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly (training leaves a usable checkpoint). */
  signal: AbortSignal;
}

export interface CliCommand {
  /** One-line summary for `specmatch --help`. */
  summary: string;
  /** Full usage text for `specmatch CMD --help`. */
  usage: string;
  /**
   * Run with the arguments after the command name. Returns the exit code: 0 when it ran (even if some inputs
   * failed, each with its own error line), 2 for usage errors, 1 for a library/model/output that cannot be used.
   * Throw SpecmatchError with code E_USAGE for usage errors; main prints it without a stack trace.
   */
  run(argv: string[], io: CliIO): Promise<number>;
}
