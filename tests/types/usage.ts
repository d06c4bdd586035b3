// Compiled by `tsc --strict --noEmit` in `npm test`: the README's usage must type-check against
// the generated .d.ts, and misuse must not (each @ts-expect-error fails the build if it compiles).
import {
  TokenRefresher,
  type RefreshErrorEvent,
  type RefreshedEvent,
  type TokenAnswer,
  type TokenRefresherEvent,
  type TokenRefresherStatus,
} from "powerbi-token-refresh";

declare const embedContainer: HTMLElement;

const refresher = new TokenRefresher({
  container: embedContainer,
  reportId: "f6bfd646-b718-44dc-a378-b73e6b528204",
  groupId: "be8908da-da25-452e-b220-163f52476cdd",
  expiration: "2026-11-28T10:00:00Z",
  getNewAccessToken: async ({ reportId, reason, signal }): Promise<TokenAnswer> => {
    const r = await fetch(`/api/token?reportId=${String(reportId)}&reason=${reason}`, { signal });
    return (await r.json()) as { token: string; expiration: string };
  },
  minutesBeforeExpiration: 2.5,
  checkIntervalMs: 30000,
});

refresher.on("refreshed", (e: RefreshedEvent) => console.log(e.expiration, e.expiresInMs.toFixed(0)));
const onError = (e: RefreshErrorEvent) => console.warn(e.code, e.message, e.retryInMs ?? "no retry");
refresher.on("error", onError);
refresher.off("error", onError);
refresher.on("expired", (e) => console.warn(`expired ${e.expiredForMs} ms ago`));
// Any event, narrowed by its type (the adapters' `lastEvent`).
const describe = (e: TokenRefresherEvent): string => (e.type === "error" || e.type === "warning" ? e.code : e.type);
refresher.on("warning", (e) => console.info(describe(e), e.skewMs));
// @ts-expect-error: not every event has a code (refreshed and expired have none)
refresher.on("refreshed", (e: TokenRefresherEvent) => e.code);
refresher.start();
const ok: Promise<boolean> = refresher.refreshNow();
const status: TokenRefresherStatus = refresher.status;
const left: number | null = status.expiresInMs;
refresher.stop();

// A bare JWT, MSAL's shape, and a provider that answers synchronously are all accepted.
new TokenRefresher({ container: embedContainer, getNewAccessToken: () => "eyJ.a.b" });
new TokenRefresher({
  container: embedContainer,
  getNewAccessToken: async () => ({ accessToken: "eyJ.a.b", expiresOn: new Date() }),
});

// Clock hints, the warning event, several containers, embeds, the pull hook.
new TokenRefresher({
  container: document.querySelectorAll(".report"),
  getNewAccessToken: async () => ({ token: "t", expiresIn: 3600, serverTime: new Date() }),
  minRefreshGapMs: 10000,
  reloadAfterExpiry: false,
});
declare const embedA: { setAccessToken(token: string): Promise<void>; reload(): Promise<void> };
const shared = new TokenRefresher({ embed: [embedA, embedA] });
shared.on("warning", (w) => console.warn(w.code, `${w.skewMs} ms`));
shared.on("error", (e) => console.warn(e.embedIndex ?? "all embeds", e.code === "EmbedRemoved"));
const hook: () => Promise<string> = shared.accessTokenProvider;

// @ts-expect-error: unknown event name
refresher.on("refresh", () => {});
// @ts-expect-error: the refreshed event has no `code`
refresher.on("refreshed", (e) => e.code);
// @ts-expect-error: minutesBeforeExpiration is a number
new TokenRefresher({ container: embedContainer, minutesBeforeExpiration: "10" });
// @ts-expect-error: the provider must answer a token
new TokenRefresher({ container: embedContainer, getNewAccessToken: () => 42 });

export { ok, left, hook };
