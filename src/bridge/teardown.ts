// SPDX-License-Identifier: GPL-2.0-only
/*
 * Teardown that always runs: steps registered while a session builds up are
 * undone in reverse order on success, on error (try/finally) and on SIGINT /
 * SIGTERM / SIGHUP, each step at most once; a failing step does not stop the
 * others.
 */
export class Teardown {
  private readonly steps: Array<{ what: string; fn: () => void }> = [];
  private done = false;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    const errors = this.run();
    for (const e of errors) process.stderr.write(`iomap-sim: cleanup: ${e}\n`);
    process.stderr.write(`iomap-sim: ${sig}: session torn down\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };

  constructor() {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, this.onSignal);
  }

  add(what: string, fn: () => void): void {
    this.steps.push({ what, fn });
  }

  /** Undo everything (last first); returns the failures as text. */
  run(): string[] {
    const errors: string[] = [];
    if (!this.done) {
      this.done = true;
      while (this.steps.length) {
        const s = this.steps.pop()!;
        try {
          s.fn();
        } catch (e) {
          errors.push(`${s.what}: ${(e as Error).message}`);
        }
      }
    }
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, this.onSignal);
    return errors;
  }
}
