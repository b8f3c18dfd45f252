import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** `vite` (development) forwards the API to a running server, LATCHKEY_URL or the default. */
const target = process.env.LATCHKEY_URL ?? "http://127.0.0.1:8080";

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
  server: {
    proxy: {
      "/api": {
        target,
        changeOrigin: true,
        // Cookie-authenticated writes must carry the server's own origin; through the dev
        // server the browser sends Vite's, so the proxy states the server's instead.
        configure: (proxy) => {
          proxy.on("proxyReq", (request) => {
            if (request.getHeader("origin") !== undefined) request.setHeader("origin", target);
          });
        },
      },
    },
  },
});
