// Types of useTokenRefresher, shared by both React entries. No dependency on @types/react: the
// hook's signature needs none of React's types.
import type {
  EmbedLike,
  TokenRefresher,
  TokenRefresherEvent,
  TokenRefresherOptions,
  TokenRefresherStatus,
} from "../powerbi_token_refresh.js";

/** The refresher's options, less where the embed comes from: the hook's first argument. */
export type UseTokenRefresherOptions = Omit<TokenRefresherOptions, "embed" | "container" | "powerbi">;

/** Any event the refresher emits; declared by the main entry, named here too for this entry's users. */
export type { TokenRefresherEvent };

/** What the hook hands back for the UI. */
export interface TokenRefresherState {
  /** The last `refreshed`, `error`, `expired` or `warning` event; null before the first. */
  lastEvent: TokenRefresherEvent | null;
  /** The refresher's status as of that event (or its start, or its stop); null before the first start. */
  status: TokenRefresherStatus | null;
  /** Why the `.wasm` could not be loaded (the `web` entry's init() failed); null otherwise. */
  loadError: unknown;
  /** Asks for a new token now (`refresher.refreshNow()`); resolves false when none is running. */
  refreshNow(): Promise<boolean>;
}

/**
 * Keeps `embed`'s token fresh while the component is mounted: starts a refresher once `embed` is
 * set (e.g. from powerbi-client-react's `getEmbeddedComponent`), stops it on unmount or when
 * `embed` changes. The options are read when the refresher starts; `getNewAccessToken` is read at
 * every call, so a new function on each render restarts nothing.
 */
export type UseTokenRefresher = (
  embed: EmbedLike | EmbedLike[] | null | undefined,
  options?: UseTokenRefresherOptions,
) => TokenRefresherState;

/** Internal: makes the hook for one entry. */
export declare function makeUseTokenRefresher(
  TokenRefresherClass: typeof TokenRefresher,
  ready: () => true | Promise<unknown>,
): UseTokenRefresher;
