// useTokenRefresher for Vue 3.3+: one refresher per embed, started and stopped by a watcher.
// Plain JavaScript with no build step, so the file the tests load is the file that ships.
import { getCurrentInstance, onActivated, onDeactivated, shallowReadonly, shallowRef, toRaw, toValue, watch } from "vue";

const EVENTS = ["refreshed", "error", "expired", "warning"];

/**
 * Makes the composable for one entry. `ready()` resolves once that entry's TokenRefresher can be
 * constructed; it is first called when an embed arrives, so nothing loads on the server.
 */
export function makeUseTokenRefresher(TokenRefresher, ready) {
  return function useTokenRefresher(embed, options) {
    const lastEvent = shallowRef(null);
    const status = shallowRef(null);
    const loadError = shallowRef(null);
    const loaded = shallowRef(false);
    let running = null;
    let runningFor = null; // its embed
    let active = true; // false while a <KeepAlive> holds the component off the page
    let away = new Set(); // the embeds whose iframes it took with it
    const list = () => [toRaw(toValue(embed))].flat();
    const gone = () => list().forEach((e) => e?.iframe && !e.iframe.isConnected && away.add(e));
    const call = (refresher, how) => {
      refresher[how]();
      status.value = refresher.status;
    };

    // The watcher belongs to the caller's effect scope (a component's setup, effectScope(),
    // a Pinia store): disposing the scope stops it, which runs its cleanup, which stops the
    // refresher. Errors thrown here (bad options: a TypeError) go where Vue sends a watcher's
    // errors: onErrorCaptured, app.config.errorHandler, else the console. Never into the page.
    watch(
      // toRaw: powerbi-client-vue-js keeps its embed in reactive data, so `report-obj` hands
      // over a reactive proxy; the refresher gets the object itself, not Vue's wrapper.
      [() => toRaw(toValue(embed)), loaded],
      ([target, isLoaded], _, onCleanup) => {
        if (!target) return;
        if (!isLoaded) {
          // Re-runs this watcher once loaded, with whatever embed is current then.
          ready().then(
            () => (loaded.value = true),
            (error) => (loadError.value = error),
          );
          return;
        }
        // Read now, not at every change: new options restart nothing. The provider alone is read
        // at every call, so it may change while the refresher runs. Left out, the refresher calls
        // the global getNewUserAccessToken, as without Vue; not a function, the constructor says so.
        const given = { ...toValue(options), embed: target };
        const first = given.getNewAccessToken;
        if (typeof first == "function") {
          given.getNewAccessToken = (request) => (toValue(options)?.getNewAccessToken ?? first)(request);
        }
        const refresher = new TokenRefresher(given);
        for (const name of EVENTS) {
          refresher.on(name, (event) => {
            lastEvent.value = event;
            status.value = refresher.status;
          });
        }
        running = refresher;
        runningFor = target;
        loadError.value = null;
        if (active) call(refresher, "start");
        else gone(); // a new embed while parked
        // On unmount (the scope's end), when `embed` changes, and when it becomes null.
        onCleanup(() => {
          if (running === refresher) running = null;
          call(refresher, "stop");
        });
      },
      { immediate: true },
    );

    // Under <KeepAlive> a cached component leaves the page without unmounting, and its iframes
    // with it: the refresher pauses meanwhile rather than find its embeds gone. Put back, each
    // such iframe loads its report again (powerbi-client sends the config, latest token
    // included); a token sent before the report answers is lost, so the refresher waits for
    // each one's first `loaded` or `error` (say, that token expired meanwhile).
    if (getCurrentInstance()) {
      onDeactivated(() => {
        active = false;
        if (running) call(running, "stop");
        gone();
      });
      onActivated(() => {
        if (active) return; // the first activation: mounted, not put back
        active = true;
        const refresher = running;
        const waits = list().filter((e) => away.has(e));
        away = new Set();
        // Handed a new embed as it came back: the watcher starts that one's refresher next.
        if (!refresher || runningFor !== toRaw(toValue(embed))) return;
        const resume = () => active && running === refresher && call(refresher, "start");
        let left = waits.length;
        if (!left) resume();
        for (const e of waits) {
          const answered = () => {
            e.off("loaded", answered);
            e.off("error", answered);
            if (!--left) resume();
          };
          e.on("loaded", answered);
          e.on("error", answered);
        }
      });
    }

    return {
      lastEvent: shallowReadonly(lastEvent),
      status: shallowReadonly(status),
      loadError: shallowReadonly(loadError),
      refreshNow: () => running?.refreshNow() ?? Promise.resolve(false),
    };
  };
}
