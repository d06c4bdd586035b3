// Types of useTokenRefresher for Vue. Vue ships its own types; only its ref types are used.
import type { MaybeRefOrGetter, ShallowRef } from "vue";
import type {
  EmbedLike,
  TokenRefresher,
  TokenRefresherEvent,
  TokenRefresherOptions,
  TokenRefresherStatus,
} from "../powerbi_token_refresh.js";

/** The refresher's options, less where the embed comes from: the composable's first argument. */
export type UseTokenRefresherOptions = Omit<TokenRefresherOptions, "embed" | "container" | "powerbi">;

/** Any event the refresher emits; declared by the main entry, named here too for this entry's users. */
export type { TokenRefresherEvent };

/** What the composable hands back: read-only refs for the UI, and refreshNow(). */
export interface TokenRefresherRefs {
  /** The last `refreshed`, `error`, `expired` or `warning` event; null before the first. */
  lastEvent: Readonly<ShallowRef<TokenRefresherEvent | null>>;
  /** The refresher's status as of that event (or its start, or its stop); null before the first start. */
  status: Readonly<ShallowRef<TokenRefresherStatus | null>>;
  /** Why the `.wasm` could not be loaded (init() failed); null otherwise. */
  loadError: Readonly<ShallowRef<unknown>>;
  /** Asks for a new token now (`refresher.refreshNow()`); resolves false when none is running. */
  refreshNow(): Promise<boolean>;
}

/**
 * Keeps `embed`'s token fresh: starts a refresher once `embed` is set (e.g. from
 * powerbi-client-vue-js's `report-obj` event), stops it when `embed` changes or becomes null and
 * when the caller's effect scope ends (a component's unmount); pauses it while a `<KeepAlive>`
 * caches the component. `embed` and `options` may be plain values, refs or getters. The options
 * are read when a refresher starts; `getNewAccessToken` is read at every call.
 */
export type UseTokenRefresher = (
  embed: MaybeRefOrGetter<EmbedLike | EmbedLike[] | null | undefined>,
  options?: MaybeRefOrGetter<UseTokenRefresherOptions | null | undefined>,
) => TokenRefresherRefs;

/** Internal: makes the composable for one entry. */
export declare function makeUseTokenRefresher(
  TokenRefresherClass: typeof TokenRefresher,
  ready: () => Promise<unknown>,
): UseTokenRefresher;
