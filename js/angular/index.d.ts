// `powerbi-token-refresh/angular`: injectTokenRefresher on the `web` entry; it waits for init().
import type { InjectTokenRefresher } from "./inject.js";
export type {
  EmbedSource,
  InjectTokenRefresher,
  InjectTokenRefresherOptions,
  TokenRefresherEvent,
  TokenRefresherSignals,
} from "./inject.js";

/** {@inheritDoc InjectTokenRefresher} Waits for the `web` entry's init() (joining the app's own call). */
export declare const injectTokenRefresher: InjectTokenRefresher;
