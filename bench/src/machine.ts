import { readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";

/** What the numbers were measured on, for the JSON and docs/benchmarks.md. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverage: number[];
}

function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const match = /^model name\s*:\s*(.+)$/m.exec(info);
    if (match?.[1]) return match[1].trim();
  } catch {
    // Not Linux.
  }
  return cpus()[0]?.model ?? "unknown";
}

export function describeMachine(loadAverage: number[]): Machine {
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadAverage.map((l) => Math.round(l * 100) / 100),
  };
}
