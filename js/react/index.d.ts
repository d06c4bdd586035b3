// `powerbi-token-refresh/react`: the hook on the main entry.
import type { UseTokenRefresher } from "./hook.js";
export type { TokenRefresherEvent, TokenRefresherState, UseTokenRefresher, UseTokenRefresherOptions } from "./hook.js";

/** {@inheritDoc UseTokenRefresher} */
export declare const useTokenRefresher: UseTokenRefresher;
