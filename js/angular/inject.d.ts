// Types of injectTokenRefresher.
import type { Signal } from "@angular/core";
import type {
  EmbedLike,
  TokenRefresher,
  TokenRefresherEvent,
  TokenRefresherOptions,
  TokenRefresherStatus,
} from "../powerbi_token_refresh.js";

/** The refresher's options, less where the embed comes from: the first argument. */
export type InjectTokenRefresherOptions = Omit<TokenRefresherOptions, "embed" | "container" | "powerbi">;

/** Any event the refresher emits; declared by the main entry, named here too for this entry's users. */
export type { TokenRefresherEvent };

/** The embed to keep fresh, or nothing yet: a signal, or a function that reads signals. */
export type EmbedSource = () => EmbedLike | EmbedLike[] | null | undefined;

/** What injectTokenRefresher hands back for the template. */
export interface TokenRefresherSignals {
  /** The last `refreshed`, `error`, `expired` or `warning` event; null before the first. */
  readonly lastEvent: Signal<TokenRefresherEvent | null>;
  /** The refresher's status as of that event (or its start, or its stop); null before the first start. */
  readonly status: Signal<TokenRefresherStatus | null>;
  /** Why the `.wasm` could not be loaded (init() failed); null otherwise. */
  readonly loadError: Signal<unknown>;
  /** Asks for a new token now (`refresher.refreshNow()`); resolves false when none is running. */
  refreshNow(): Promise<boolean>;
}

/**
 * Keeps the embed's token fresh for as long as the injection context lives (a component, a
 * directive, a service): starts a refresher once `embed()` returns an embed (e.g.
 * powerbi-client-angular's `getReport()`), stops it when the context is destroyed or `embed()`
 * returns another embed (then starts one for that). Call it in an injection context (a field
 * initialiser or the constructor). The options are read when a refresher starts;
 * `getNewAccessToken` is read at every call. Errors go to Angular's ErrorHandler, never thrown.
 */
export type InjectTokenRefresher = (embed: EmbedSource, options?: InjectTokenRefresherOptions) => TokenRefresherSignals;

/** Internal: makes injectTokenRefresher for one entry. */
export declare function makeInjectTokenRefresher(
  TokenRefresherClass: typeof TokenRefresher,
  ready: () => true | Promise<unknown>,
): InjectTokenRefresher;
