// injectTokenRefresher's types, against @angular/core's own: the embed is a signal (or a function
// reading signals) of powerbi-client's `Embed`, as powerbi-client-angular's getReport() gives it;
// what comes back are Angular signals.
import { computed, signal, type Signal } from "@angular/core";
import type { Embed } from "powerbi-client";
import type { RefreshErrorCode, TokenRefresherStatus } from "powerbi-token-refresh";
import {
  injectTokenRefresher,
  type InjectTokenRefresherOptions,
  type TokenRefresherEvent,
  type TokenRefresherSignals,
} from "powerbi-token-refresh/angular";

declare const reportId: string;
const embed = signal<Embed | undefined>(undefined);

const options: InjectTokenRefresherOptions = {
  reportId,
  getNewAccessToken: async ({ reportId, signal }) => {
    const r = await fetch(`/api/embed-token?reportId=${String(reportId)}`, { signal });
    return (await r.json()) as { token: string; expiration: string };
  },
  minutesBeforeExpiration: 5,
  crossTab: true,
};
const token: TokenRefresherSignals = injectTokenRefresher(embed, options);
const event: TokenRefresherEvent | null = token.lastEvent();
if (event?.type === "error") {
  const code: RefreshErrorCode = event.code;
  console.warn(code, event.retryInMs);
}
const status: Signal<TokenRefresherStatus | null> = token.status;
const running = computed(() => status()?.running ?? false);
const now: Promise<boolean> = token.refreshNow();
console.log(token.loadError());

// A function reading signals (e.g. a viewChild's getReport()); options may be left out.
declare const component: Signal<{ getReport(): Embed } | undefined>;
injectTokenRefresher(() => component()?.getReport());

// @ts-expect-error: the signals are read-only
token.status.set(null);
// @ts-expect-error: the embed is the first argument, not an option
injectTokenRefresher(embed, { embed: embed() });
// @ts-expect-error: the provider must answer a token
injectTokenRefresher(embed, { getNewAccessToken: () => 42 });
// @ts-expect-error: the first argument is a signal or a function, not an embed
injectTokenRefresher(embed());

export { running, now };
