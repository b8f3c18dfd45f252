import { renameSync, writeFileSync } from "node:fs";

/**
 * Loaded into the server process by the benchmark only (`node --expose-gc --import …`), never
 * by the server itself. On SIGUSR2 it runs a full garbage collection and writes the process's
 * memory to LATCHKEY_BENCH_MEMORY_FILE, so that readings show what the server keeps alive,
 * not garbage that V8 has not collected yet.
 */
const file = process.env.LATCHKEY_BENCH_MEMORY_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file !== undefined && gc !== undefined) {
  process.on("SIGUSR2", () => {
    gc();
    const usage = process.memoryUsage();
    const reading = {
      at: Date.now(),
      rssKb: Math.round(usage.rss / 1024),
      heapUsedKb: Math.round(usage.heapUsed / 1024),
      externalKb: Math.round(usage.external / 1024),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(reading));
    renameSync(`${file}.tmp`, file);
  });
}
