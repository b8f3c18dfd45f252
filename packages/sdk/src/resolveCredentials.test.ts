import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "@latchkey/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { Latchkey } from "./latchkey.js";
import { DEFAULT_URL, keyFilePath, resolveCredentials } from "./resolveCredentials.js";

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

/** A temp HOME with a key file holding `content` under ~/.config (or under XDG_CONFIG_HOME). */
function home(content?: string, xdg = false) {
  const dir = tempDir("latchkey-home");
  dirs.push(dir);
  const config = xdg ? join(dir.path, "xdg") : join(dir.path, ".config");
  if (content !== undefined) {
    mkdirSync(join(config, "latchkey"), { recursive: true });
    writeFileSync(join(config, "latchkey", "api_key"), content, { mode: 0o600 });
  }
  return xdg ? { HOME: dir.path, XDG_CONFIG_HOME: config } : { HOME: dir.path };
}

describe("keyFilePath", () => {
  it("is under XDG_CONFIG_HOME when set, else ~/.config", () => {
    expect(keyFilePath({ HOME: "/home/ada" })).toBe("/home/ada/.config/latchkey/api_key");
    expect(keyFilePath({ HOME: "/home/ada", XDG_CONFIG_HOME: "/cfg/" })).toBe(
      "/cfg/latchkey/api_key",
    );
    expect(keyFilePath({ HOME: "/home/ada", XDG_CONFIG_HOME: "" })).toBe(
      "/home/ada/.config/latchkey/api_key",
    );
  });
});

describe("resolveCredentials", () => {
  it("prefers the argument, then LATCHKEY_API_KEY, then the key file", async () => {
    const env = { ...home("lk_fromfile"), LATCHKEY_API_KEY: "lk_fromenv" };
    expect(await resolveCredentials({ apiKey: "lk_fromarg", env })).toMatchObject({
      apiKey: "lk_fromarg",
      source: "argument",
    });
    expect(await resolveCredentials({ env })).toMatchObject({
      apiKey: "lk_fromenv",
      source: "env",
    });
    const { LATCHKEY_API_KEY: _, ...withoutEnv } = env;
    expect(await resolveCredentials({ env: withoutEnv })).toMatchObject({
      apiKey: "lk_fromfile",
      source: "file",
      keyFile: join(env.HOME, ".config", "latchkey", "api_key"),
    });
  });

  it("treats empty values as unset", async () => {
    const env = { ...home("lk_fromfile"), LATCHKEY_API_KEY: "" };
    expect(await resolveCredentials({ apiKey: "", env })).toMatchObject({ source: "file" });
  });

  it("reads the file under XDG_CONFIG_HOME", async () => {
    const env = home("lk_xdg", true);
    expect(await resolveCredentials({ env })).toMatchObject({ apiKey: "lk_xdg", source: "file" });
  });

  it("keeps the file's exact bytes but one trailing newline", async () => {
    expect((await resolveCredentials({ env: home("lk_abc\n") })).apiKey).toBe("lk_abc");
    expect((await resolveCredentials({ env: home("lk_abc\r\n") })).apiKey).toBe("lk_abc");
    expect((await resolveCredentials({ env: home(" lk_abc \n\n") })).apiKey).toBe(" lk_abc \n");
  });

  it("says 'none' (and names the file) when there is no key anywhere", async () => {
    const env = home();
    expect(await resolveCredentials({ env })).toEqual({
      source: "none",
      keyFile: join(env.HOME, ".config", "latchkey", "api_key"),
      url: DEFAULT_URL,
    });
    expect(await resolveCredentials({ env: home("") })).toMatchObject({ source: "none" });
  });

  it("takes the URL from the argument, then LATCHKEY_URL, then the default", async () => {
    const env = { ...home(), LATCHKEY_URL: "http://10.0.0.1:9000/" };
    expect((await resolveCredentials({ url: "https://keys.example.com/", env })).url).toBe(
      "https://keys.example.com",
    );
    expect((await resolveCredentials({ env })).url).toBe("http://10.0.0.1:9000");
    expect((await resolveCredentials({ url: "", env })).url).toBe("");
    expect((await resolveCredentials({ env: home() })).url).toBe(DEFAULT_URL);
  });

  it("is what the client uses", async () => {
    const env = { ...home("lk_fromfile"), LATCHKEY_URL: "http://127.0.0.1:1" };
    expect(await new Latchkey({ env }).resolved()).toMatchObject({
      apiKey: "lk_fromfile",
      source: "file",
      url: "http://127.0.0.1:1",
    });
  });
});

describe("an unreadable key file", () => {
  it("is an error naming the file, not a silent fallback", async () => {
    const env = home();
    mkdirSync(join(env.HOME, ".config", "latchkey", "api_key"), { recursive: true });
    await expect(resolveCredentials({ env })).rejects.toMatchObject({
      code: "key_file_unreadable",
      msg: expect.stringContaining(join(env.HOME, ".config", "latchkey", "api_key")),
    });
  });
});
