/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The built bundle is served by Django: index.html at / and the client routes, the
// assets by WhiteNoise under /static/web/assets/ (project/settings.py). `npm run dev`
// serves at http://127.0.0.1:5173/ and calls the API of `make run` (see .env.development).
export default defineConfig(({ command }) => ({
  base: command === "build" ? "/static/web/" : "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    // Every browser that runs this bundle supports modulepreload: no polyfill.
    modulePreload: { polyfill: false },
  },
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
}));
