import { readFileSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { CommandFailure, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { binScript } from "../installed.js";
import { examples } from "../output/examples.js";
import { type Finding, findKeys } from "../scan/findKeys.js";
import { hookScript, installHook } from "../scan/installHook.js";
import { hooksDirectory, stagedFiles } from "../scan/stagedFiles.js";
import { walkFiles } from "../scan/walkFiles.js";

interface ScanOptions {
  staged?: boolean;
  installHook?: boolean;
  force?: boolean;
}

/** Files larger than this are skipped (with a note): keys live in source and config files. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

async function inGit<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new CommandFailure(
      `git failed: ${(err as Error).message.split("\n")[0]}`,
      ExitCode.usage,
      "run this inside a git work tree",
    );
  }
}

async function install(ctx: Context, force: boolean): Promise<number> {
  const dir = await inGit(() => hooksDirectory(ctx.io.cwd));
  const { outcome, path } = installHook(dir, hookScript(process.execPath, binScript), force);
  if (outcome === "foreign") {
    throw new CommandFailure(
      `${path} exists and was not installed by latchkey; it was left alone`,
      ExitCode.failure,
      `add the line 'latchkey scan --staged || exit 1' to it, or pass --force to replace it`,
    );
  }
  ctx.show({ hook: path, outcome }, () =>
    ctx.print(
      `${outcome === "replaced" ? "Replaced" : "Installed"} ${path}: commits that stage a Latchkey key are refused.\n`,
    ),
  );
  return ExitCode.ok;
}

async function findings(ctx: Context, paths: readonly string[], staged: boolean) {
  const found: Finding[] = [];
  let scanned = 0;
  if (staged) {
    for (const file of await inGit(() => stagedFiles(ctx.io.cwd))) {
      scanned++;
      found.push(...findKeys(file.text, file.path));
    }
    return { found, scanned };
  }
  const roots = (paths.length === 0 ? ["."] : paths).map((path) => resolve(ctx.io.cwd, path));
  let files: string[];
  try {
    files = walkFiles(roots);
  } catch (err) {
    throw new UsageError(`cannot scan: ${(err as Error).message}`);
  }
  for (const file of files) {
    const near = relative(ctx.io.cwd, file);
    const shown = near === "" || near.startsWith("..") || isAbsolute(near) ? file : near;
    if (statSync(file).size > MAX_FILE_BYTES) {
      ctx.note(`skipped ${shown}: larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
      continue;
    }
    scanned++;
    // Latin-1 maps every byte to one character, so binary files cannot garble a key's ASCII.
    found.push(...findKeys(readFileSync(file, "latin1"), shown));
  }
  return { found, scanned };
}

async function scan(ctx: Context, paths: readonly string[], options: ScanOptions): Promise<number> {
  if (options.installHook === true) {
    if (paths.length > 0 || options.staged === true) {
      throw new UsageError("--install-hook takes no paths and no --staged");
    }
    return install(ctx, options.force === true);
  }
  if (options.staged === true && paths.length > 0) {
    throw new UsageError("give either paths or --staged, not both");
  }
  const { found, scanned } = await findings(ctx, paths, options.staged === true);
  const files = new Set(found.map((f) => f.file)).size;
  ctx.show({ findings: found, files_scanned: scanned }, () => {
    for (const f of found) {
      ctx.print(`${ctx.out.cyan(`${f.file}:${f.line}:${f.column}`)}  ${f.redacted}\n`);
    }
  });
  if (found.length === 0) {
    if (!ctx.globals.raw)
      ctx.note(`No Latchkey keys found in ${scanned} file${scanned === 1 ? "" : "s"}.`);
    return ExitCode.ok;
  }
  const { red } = ctx.err;
  ctx.io.stderr.write(
    `${red(`Found ${found.length} Latchkey key${found.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}.`)} ` +
      `Remove ${found.length === 1 ? "it" : "them"} from the files` +
      `${options.staged === true ? " and the index (git restore --staged)" : ""}; ` +
      "a key that reached a file may have leaked, so reset or delete it ('latchkey reset api-key ID').\n",
  );
  return ExitCode.failure;
}

export function scanCommand(app: App): Command {
  return new Command("scan")
    .description(
      "find Latchkey keys (any prefix, valid checksum) in files or in the git index; exits 1 when any is found",
    )
    .argument(
      "[PATH...]",
      "files or directories (default: the current directory; skips .git and node_modules)",
    )
    .option("--staged", "scan what is staged for the next commit (the pre-commit hook runs this)")
    .option("--install-hook", "install a git pre-commit hook that runs 'latchkey scan --staged'")
    .option("--force", "with --install-hook: replace a pre-commit hook that latchkey did not write")
    .addHelpText(
      "after",
      `
Only the prefix and the last four characters of a found key are printed. Look-alikes whose
checksum is wrong are ignored, so examples and test fixtures do not trip it.
${examples(
  ["latchkey scan", "everything under the current directory"],
  ["latchkey scan src config/.env", "some files and directories"],
  ["latchkey scan --staged", "what the next commit would record"],
  ["latchkey scan --install-hook", "refuse such commits from now on"],
)}`,
    )
    .action(app.action((ctx, command) => scan(ctx, command.args, command.opts<ScanOptions>())));
}
