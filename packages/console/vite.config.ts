import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the console works wherever the server mounts it.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts anywhere, so a strict Content-Security-Policy can forbid them.
    modulePreload: { polyfill: false },
  },
});
