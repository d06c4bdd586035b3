// The `web` entry's types: init() first, then the same TokenRefresher as the main entry.
import init, { initSync, TokenRefresher, type RefreshedEvent } from "powerbi-token-refresh/web";

declare const wasmUrl: string;
declare const wasmBytes: ArrayBuffer;

await init({ module_or_path: wasmUrl });
await init(); // again: shares the one instance
initSync({ module: wasmBytes });

const refresher = new TokenRefresher({
  container: document.getElementById("embedContainer")!,
  getNewAccessToken: ({ signal }) => fetch("/api/token", { signal }).then((r) => r.json() as Promise<{ token: string }>),
});
refresher.on("refreshed", (e: RefreshedEvent) => e.expiresAt.toFixed(0));
refresher.start();

// @ts-expect-error: init() resolves to the wasm exports, not a refresher
const wrong: TokenRefresher = await init();

export { wrong };
