// `powerbi-token-refresh/vue`: the composable on the `web` entry; it calls init() on the first embed.
import type { UseTokenRefresher } from "./composable.js";
export type { TokenRefresherEvent, TokenRefresherRefs, UseTokenRefresher, UseTokenRefresherOptions } from "./composable.js";

/** {@inheritDoc UseTokenRefresher} Loads the `.wasm` with the `web` entry's init() (joining the app's own call). */
export declare const useTokenRefresher: UseTokenRefresher;
