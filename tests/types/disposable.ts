// Compiled only under lib esnext (tests/types.test.mjs): wasm-bindgen's `using` support still
// types with the fallback declaration of Symbol.dispose in place.
import { TokenRefresher } from "powerbi-token-refresh";

declare const container: HTMLElement;
{
  using refresher = new TokenRefresher({ container });
  refresher.start();
} // disposed here: stopped and freed
const dispose: () => void = new TokenRefresher({ container })[Symbol.dispose];

export { dispose };
