import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The Tauri app always loads the built files from ui/dist (relative paths),
// so `base` must be relative. The dev server is only for working on the UI.
export default defineConfig({
  base: "./",
  plugins: [react()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    // A limit on a whole test, not something tests wait for: a loaded machine must not fail them.
    testTimeout: 60_000,
  },
});
