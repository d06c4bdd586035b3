//! TypeScript types for what wasm-bindgen cannot describe from Rust alone: the options object,
//! the answer a provider gives, the event payloads, and typed `on`/`off` (merged into the
//! generated `TokenRefresher` class by interface declaration merging).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** What a token provider may answer. `expiresIn` (seconds of life left, as OAuth's
 *  `expires_in`) or `serverTime` (the issuer's clock, e.g. `new Date(response.headers.get("Date"))`)
 *  anchor the deadline when this device's clock is wrong. */
export type TokenAnswer =
  | string
  | ({ token: string; expiration?: string | number | Date; tokenId?: string } & ClockHints)
  | ({ accessToken: string; expiresOn?: string | number | Date | null } & ClockHints);

export interface ClockHints {
  expiresIn?: number;
  serverTime?: string | number | Date;
}

/** What a token provider is called with. */
export interface TokenRequest {
  reportId: unknown;
  groupId: unknown;
  /** Why the refresh happens. */
  reason: "unknown" | "expiring" | "expired" | "manual";
  /** Aborted when the refresher gives up waiting (timeout or stop()). */
  signal: AbortSignal;
}

/** powerbi-client's service, e.g. `window.powerbi`. */
export interface PowerBiServiceLike {
  get(element: Element): EmbedLike;
}

/** A powerbi-client embed (report, dashboard, tile, visual, Q&A). */
export interface EmbedLike {
  setAccessToken(token: string): Promise<unknown>;
  reload?(): Promise<unknown>;
  config?: { accessToken?: string };
}

export interface TokenRefresherOptions {
  /** The element given to `powerbi.embed`, or several (an array or NodeList) that share the
   *  token: one provider call, then `setAccessToken` on each. Required unless `embed` is given. */
  container?: Element | ArrayLike<Element>;
  /** An embed object (or several) to refresh directly (e.g. from powerbi-client-react's getEmbeddedComponent). */
  embed?: EmbedLike | EmbedLike[];
  /** The powerbi-client service to ask for the container's embed; default `window.powerbi`. */
  powerbi?: PowerBiServiceLike;
  reportId?: unknown;
  groupId?: unknown;
  /** Expiration of the token used at embed time: ISO 8601, ms since the epoch, or a Date.
   *  Omitted: read from the embed's token if it is a JWT, else refresh at once. */
  expiration?: string | number | Date;
  /** Returns (or resolves to) a new token. Default: the global `getNewUserAccessToken(reportId, groupId)`. */
  getNewAccessToken?: (request: TokenRequest) => TokenAnswer | Promise<TokenAnswer>;
  /** Refresh when the token expires within this many minutes. Default 10; fractions allowed. */
  minutesBeforeExpiration?: number;
  /** How often to check. Default 30000. */
  checkIntervalMs?: number;
  /** Longest wait for the provider. Default 30000. */
  providerTimeoutMs?: number;
  /** Longest wait for `setAccessToken`. Default 10000. */
  setAccessTokenTimeoutMs?: number;
  /** Retry delay ceiling after a first failure; doubles per failure, drawn with full jitter
   *  from half of this. Default 5000. */
  retryDelayMs?: number;
  /** Longest retry delay. Default 300000. */
  maxRetryDelayMs?: number;
  /** Shortest time between two automatic refreshes (a loop guard). Default 5000. */
  minRefreshGapMs?: number;
  /** One refresh for every tab of this origin that shares the key: `true` keys on
   *  reportId/groupId, a string is the key. Needs Web Locks and BroadcastChannel (else each tab
   *  refreshes on its own). Default false. */
  crossTab?: boolean | string;
  /** `reload()` the embeds after replacing a token that had already expired (a report does not
   *  revive on a new token alone). Default true. */
  reloadAfterExpiry?: boolean;
  /** Log to the console (never a whole token). Default false. */
  debug?: boolean;
}

export type RefreshErrorCode =
  | "NoEmbed"
  | "NoProvider"
  | "ProviderThrew"
  | "ProviderRejected"
  | "ProviderTimeout"
  | "ProviderReturnedNothing"
  | "InvalidAnswer"
  | "EmptyToken"
  | "InvalidExpiration"
  | "TokenAlreadyExpired"
  | "SetAccessTokenFailed"
  | "SetAccessTokenTimeout"
  | "EmbedRemoved"
  | "NoEmbedsLeft"
  | "ReloadFailed";

export interface RefreshedEvent {
  type: "refreshed";
  /** ISO 8601. */
  expiration: string;
  /** ms since the epoch. */
  expiresAt: number;
  expiresInMs: number;
  /** Why; `"shared"` when another tab refreshed and shared its token. */
  reason: TokenRequest["reason"] | "shared";
  /** Attempts this refresh took (1 when the first try worked). */
  attempts: number;
}

export interface RefreshErrorEvent {
  type: "error";
  code: RefreshErrorCode;
  message: string;
  /** Failures in a row, this one included. */
  attempt: number;
  /** When the next attempt is due (ms since the epoch); null when not running. */
  retryAt: number | null;
  retryInMs: number | null;
  /** The value thrown or rejected, if any. */
  cause?: unknown;
  /** Which embed, by its index in the `container` (or `embed`) list, when there are several. */
  embedIndex?: number;
}

export interface ExpiredEvent {
  type: "expired";
  expiration: string;
  expiredForMs: number;
}

/** Something off but handled: this device's clock differs from the token issuer's. */
export interface WarningEvent {
  type: "warning";
  code: "ClockSkew";
  message: string;
  /** The issuer's clock minus this device's. */
  skewMs: number;
}

export interface TokenRefresherEvents {
  refreshed: RefreshedEvent;
  error: RefreshErrorEvent;
  expired: ExpiredEvent;
  warning: WarningEvent;
}

/** Any event the refresher emits (what the framework adapters hand back as `lastEvent`). */
export type TokenRefresherEvent = TokenRefresherEvents[keyof TokenRefresherEvents];

export interface TokenRefresherStatus {
  running: boolean;
  refreshing: boolean;
  /** ISO 8601, or null while unknown. */
  expiration: string | null;
  expiresInMs: number | null;
  /** Failures in a row since the last success. */
  failures: number;
  nextRetryInMs: number | null;
  lastError: RefreshErrorCode | null;
  refreshCount: number;
}

export interface TokenRefresher {
  on<K extends keyof TokenRefresherEvents>(name: K, handler: (event: TokenRefresherEvents[K]) => void): void;
  off<K extends keyof TokenRefresherEvents>(name: K, handler: (event: TokenRefresherEvents[K]) => void): void;
}
"#;
