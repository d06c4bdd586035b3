// The React hook's types, on both entries. Needs no @types/react: the hook's signature uses none.
// The embed is powerbi-client's own `Embed` type, as getEmbeddedComponent hands it over.
import type { Embed } from "powerbi-client";
import type { RefreshErrorCode, TokenRefresherStatus } from "powerbi-token-refresh";
import {
  useTokenRefresher,
  type TokenRefresherEvent,
  type TokenRefresherState,
  type UseTokenRefresherOptions,
} from "powerbi-token-refresh/react";
import { useTokenRefresher as useWebTokenRefresher } from "powerbi-token-refresh/web/react";

declare const embed: Embed | null;
declare const reportId: string;

const options: UseTokenRefresherOptions = {
  expiration: "2026-11-28T10:00:00Z",
  reportId,
  getNewAccessToken: async ({ reportId, signal }) => {
    const r = await fetch(`/api/embed-token?reportId=${String(reportId)}`, { signal });
    return (await r.json()) as { token: string; expiration: string };
  },
  minutesBeforeExpiration: 5,
  crossTab: true,
};
const state: TokenRefresherState = useTokenRefresher(embed, options);
const event: TokenRefresherEvent | null = state.lastEvent;
if (event?.type === "error") {
  const code: RefreshErrorCode = event.code;
  console.warn(code, event.retryInMs);
}
if (event?.type === "refreshed") console.log(event.expiresInMs.toFixed(0));
const status: TokenRefresherStatus | null = state.status;
const running: boolean = status?.running ?? false;
const now: Promise<boolean> = state.refreshNow();
console.log(state.loadError);

// The web entry's hook has the same shape; options may be left out (the global provider).
const web: TokenRefresherState = useWebTokenRefresher(embed);
useWebTokenRefresher(undefined, { checkIntervalMs: 10_000 });

// @ts-expect-error: the embed is the hook's first argument, not an option
useTokenRefresher(embed, { embed });
// @ts-expect-error: so is the container
useTokenRefresher(embed, { container: document.body });
// @ts-expect-error: the provider must answer a token
useTokenRefresher(embed, { getNewAccessToken: () => 42 });
// @ts-expect-error: the first argument is an embed
useTokenRefresher("report-1");

export { running, now, web };
