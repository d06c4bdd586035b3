// `powerbi-token-refresh/web/react`: the hook on the `web` entry; it waits for init().
import type { UseTokenRefresher } from "./hook.js";
export type { TokenRefresherEvent, TokenRefresherState, UseTokenRefresher, UseTokenRefresherOptions } from "./hook.js";

/** {@inheritDoc UseTokenRefresher} Waits for the `web` entry's init() (joining the app's own call). */
export declare const useTokenRefresher: UseTokenRefresher;
