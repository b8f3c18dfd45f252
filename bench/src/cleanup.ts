/**
 * What must be undone however the run ends (server processes, temp dirs, schemas). main.ts
 * runs it on SIGINT/SIGTERM too, so an interrupted benchmark leaves nothing behind.
 */
export class Cleanup {
  private readonly tasks = new Map<number, () => Promise<void>>();
  private next = 0;

  /** Registers an undo step; the returned function runs it now and unregisters it. */
  add(task: () => Promise<void>): () => Promise<void> {
    const id = this.next++;
    this.tasks.set(id, task);
    return async () => {
      if (!this.tasks.delete(id)) return;
      await task();
    };
  }

  /** Runs every remaining step, newest first; failures are reported, not thrown. */
  async runAll(report: (err: unknown) => void): Promise<void> {
    const ids = [...this.tasks.keys()].reverse();
    for (const id of ids) {
      const task = this.tasks.get(id);
      this.tasks.delete(id);
      if (task) await task().catch(report);
    }
  }
}
