import { execFile } from "node:child_process";

const MAX_BLOB = 64 * 1024 * 1024;

async function git(
  cwd: string,
  args: readonly string[],
  encoding: "utf8" | "latin1" = "utf8",
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", [...args], { cwd, maxBuffer: MAX_BLOB, encoding }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/** The repository's top directory; throws when `cwd` is not in a git work tree. */
export async function repositoryRoot(cwd: string): Promise<string> {
  return (await git(cwd, ["rev-parse", "--show-toplevel"])).trim();
}

/**
 * The files a commit would record, as they are in the index (what `git add` staged, not what is
 * on disk now), with paths relative to the repository's top.
 */
export async function stagedFiles(cwd: string): Promise<{ path: string; text: string }[]> {
  const root = await repositoryRoot(cwd);
  const names = (await git(root, ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"]))
    .split("\0")
    .filter((name) => name !== "");
  const files: { path: string; text: string }[] = [];
  for (const path of names) {
    // ":<path>" is the index's copy, relative to the top. Latin-1 keeps every byte as one
    // character, so binary files cannot garble the ASCII of a key.
    files.push({ path, text: await git(root, ["show", `:${path}`], "latin1") });
  }
  return files;
}

/** Where git looks for hooks (honours core.hooksPath), as an absolute path. */
export async function hooksDirectory(cwd: string): Promise<string> {
  const root = await repositoryRoot(cwd);
  const dir = (
    await git(root, ["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
  ).trim();
  return dir;
}
