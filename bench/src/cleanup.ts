/**
 * What must be undone however the run ends (server processes, temp dirs, schemas). main.ts
 * runs it on SIGINT/SIGTERM too, so an interrupted benchmark leaves nothing behind.
 */
export class Cleanup {
  private readonly tasks = new Map<number, () => Promise<void>>();
  private next = 0;
  private closing = false;

  /**
   * Registers an undo step; the returned function runs it now and unregisters it. Once runAll
   * has begun (an interrupt), whatever is still being set up is undone as soon as it registers.
   */
  add(task: () => Promise<void>): () => Promise<void> {
    if (this.closing) {
      void task().catch(() => {});
      return async () => {};
    }
    const id = this.next++;
    this.tasks.set(id, task);
    return async () => {
      if (!this.tasks.delete(id)) return;
      await task();
    };
  }

  /** Runs every remaining step, newest first; failures are reported, not thrown. */
  async runAll(report: (err: unknown) => void): Promise<void> {
    this.closing = true;
    const ids = [...this.tasks.keys()].reverse();
    for (const id of ids) {
      const task = this.tasks.get(id);
      this.tasks.delete(id);
      if (task) await task().catch(report);
    }
  }
}
