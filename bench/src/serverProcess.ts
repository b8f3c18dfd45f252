import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The built server entry point: what `npm start` runs. */
const HERE = dirname(fileURLToPath(import.meta.url));
const MAIN = join(HERE, "..", "..", "packages", "server", "dist", "main.bundle.js");
/** See memoryProbe.ts: full GC and a memory reading on SIGUSR2. */
const PROBE = pathToFileURL(join(HERE, "memoryProbe.js")).href;

/** The server's memory right after a full garbage collection, in KiB. */
export interface Memory {
  /** Resident set size. */
  rssKb: number;
  /** The JavaScript heap in use: what the server keeps alive. */
  heapUsedKb: number;
  /** Buffers and other memory outside the heap that JavaScript objects hold. */
  externalKb: number;
  /** The peak resident set size since start (VmHWM); 0 without /proc. */
  peakKb: number;
}

/** The server under test, in a process of its own so the load generator has its own loop. */
export interface BenchServer {
  url: string;
  pid: number;
  /** Collects garbage in the server, then reads its memory; null where that is not possible. */
  memory(): Promise<Memory | null>;
  /**
   * CPU time the server process has used so far, in ms: the sum over its threads of the time
   * the scheduler ran them (/proc/<pid>/task/<tid>/schedstat, in ns), else user + system time
   * in clock ticks (/proc/<pid>/stat, 10 ms steps); null without /proc.
   */
  cpuMs(): number | null;
  /** The end of the server's log, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return null;
  }
}

interface Reading {
  at: number;
  rssKb: number;
  heapUsedKb: number;
  externalKb: number;
}

function readReading(file: string): Reading | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Reading;
  } catch {
    return null;
  }
}

/**
 * The time the scheduler ran each of the process's threads, summed, in ms; null where Linux
 * does not keep it. A tick-counted figure moves in 10 ms steps, a few percent of a second's
 * slice of load; this one in nanoseconds. (Node's threads live as long as the process, so no
 * exited thread's time goes missing between two readings.)
 */
function scheduledMs(pid: number): number | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let ns = 0;
  for (const task of tasks) {
    const line = readProc(pid, `task/${task}/schedstat`);
    if (line === null) continue;
    const ran = Number(line.split(" ")[0]);
    if (!Number.isFinite(ran)) return null;
    ns += ran;
  }
  return ns > 0 ? ns / 1e6 : null;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Another program than the server, started the same way (the bare Fastify app of case (0)). */
export interface EntryPoint {
  /** The script node runs. */
  script: string;
  /** A GET that answers 200 once it is ready. */
  readyPath: string;
}

/**
 * Starts `node packages/server/dist/main.bundle.js` (what `npm start` runs), or `entry`, with
 * `env` on a free 127.0.0.1 port, its output in `logFile`, and waits until GET /readyz (or
 * `entry.readyPath`) answers 200.
 */
export async function startBenchServer(
  env: Record<string, string>,
  logFile: string,
  nodeArgs: readonly string[] = [],
  entry: EntryPoint = { script: MAIN, readyPath: "/readyz" },
): Promise<BenchServer> {
  const port = await freePort();
  const memoryFile = `${logFile}.memory.json`;
  const log = openSync(logFile, "a", 0o600);
  const child = spawn(
    process.execPath,
    ["--expose-gc", "--import", PROBE, ...nodeArgs, entry.script],
    {
      env: {
        PATH: process.env.PATH ?? "",
        ...env,
        LATCHKEY_BENCH_MEMORY_FILE: memoryFile,
        LATCHKEY_HOST: "127.0.0.1",
        LATCHKEY_PORT: String(port),
      },
      stdio: ["ignore", log, log],
    },
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the server process");
  const url = `http://127.0.0.1:${port}`;
  const logTail = () => {
    try {
      return readFileSync(logFile, "utf8").split("\n").slice(-20).join("\n");
    } catch {
      return "";
    }
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (exited(child)) return resolve();
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.once("exit", () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill("SIGTERM");
    });

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited(child)) throw new Error(`the server exited during start-up:\n${logTail()}`);
    try {
      const answer = await fetch(`${url}${entry.readyPath}`);
      await answer.arrayBuffer();
      if (answer.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not become ready within 60 s:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    pid,
    async memory() {
      const before = readReading(memoryFile)?.at ?? 0;
      if (exited(child) || !child.kill("SIGUSR2")) return null;
      for (let waited = 0; waited < 10_000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
        const reading = readReading(memoryFile);
        if (reading && reading.at > before) {
          const status = readProc(pid, "status");
          const peak = status === null ? 0 : Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
          return {
            rssKb: reading.rssKb,
            heapUsedKb: reading.heapUsedKb,
            externalKb: reading.externalKb,
            peakKb: peak,
          };
        }
      }
      return null;
    },
    cpuMs() {
      const precise = scheduledMs(pid);
      if (precise !== null) return precise;
      const stat = readProc(pid, "stat");
      if (stat === null) return null;
      // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      return (ticks * 1000) / ticksPerSecond();
    },
    logTail,
    stop,
  };
}
