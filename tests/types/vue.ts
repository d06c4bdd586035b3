// The Vue composable's types, against Vue's own. The embed is powerbi-client's `Report`, as
// powerbi-client-vue-js's `report-obj` event hands it over, in a ref, a getter or as a value.
import { computed, ref, shallowRef, type Ref, type ShallowRef } from "vue";
import type { Embed, Report } from "powerbi-client";
import type { RefreshErrorCode, TokenRefresherStatus } from "powerbi-token-refresh";
import {
  useTokenRefresher,
  type TokenRefresherEvent,
  type TokenRefresherRefs,
  type UseTokenRefresherOptions,
} from "powerbi-token-refresh/vue";

const report: ShallowRef<Report | undefined> = shallowRef<Report>();
const reportId = ref("5b2a9d6e-1c4f-4e8a-9b7d-3f6e2a1c0d93");

const options: UseTokenRefresherOptions = {
  expiration: "2026-11-28T10:00:00Z",
  reportId: reportId.value,
  getNewAccessToken: async ({ reportId, signal }) => {
    const r = await fetch(`/api/embed-token?reportId=${String(reportId)}`, { signal });
    return (await r.json()) as { token: string; expiration: string };
  },
  minutesBeforeExpiration: 5,
  crossTab: true,
};
const refs: TokenRefresherRefs = useTokenRefresher(report, options);
const event: TokenRefresherEvent | null = refs.lastEvent.value;
if (event?.type === "error") {
  const code: RefreshErrorCode = event.code;
  console.warn(code, event.retryInMs);
}
if (event?.type === "refreshed") console.log(event.expiresInMs.toFixed(0));
const status: TokenRefresherStatus | null = refs.status.value;
const running = computed(() => refs.status.value?.running ?? false);
const now: Promise<boolean> = refs.refreshNow();
console.log(refs.loadError.value);

// A getter, a plain value, a ref of several embeds; options as a getter (read at each start).
declare const embed: Embed | null;
useTokenRefresher(() => report.value, () => ({ ...options, reportId: reportId.value }));
useTokenRefresher(embed);
const several: Ref<Embed[]> = ref([]);
useTokenRefresher(several, computed(() => options));

// @ts-expect-error: the refs are read-only
refs.status.value = null;
// @ts-expect-error: the embed is the composable's first argument, not an option
useTokenRefresher(report, { embed });
// @ts-expect-error: the provider must answer a token
useTokenRefresher(report, { getNewAccessToken: () => 42 });
// @ts-expect-error: the first argument is an embed
useTokenRefresher(ref("report-1"));

export { running, now, status };
