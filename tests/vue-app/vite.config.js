// As `npm create vue` makes it, less the devtools plugin and the `@` alias: nothing for the
// package (no wasm plugin, no optimizeDeps.exclude).
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

export default defineConfig({
  plugins: [vue()],
});
