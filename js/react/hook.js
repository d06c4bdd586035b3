// useTokenRefresher, written once for both entries: index.js hands it the main entry's
// TokenRefresher, web.js the `web` entry's and its init(). Plain JavaScript with no JSX and no
// build step, so the file the tests load is the file that ships.
import { useCallback, useEffect, useInsertionEffect, useRef, useState } from "react";

const EVENTS = ["refreshed", "error", "expired", "warning"];
const IDLE = { lastEvent: null, status: null, loadError: null };

/**
 * Makes the hook for one entry. `ready()` resolves once that entry's TokenRefresher can be
 * constructed (the main entry: at once; the web entry: when init() has loaded the .wasm).
 */
export function makeUseTokenRefresher(TokenRefresher, ready) {
  return function useTokenRefresher(embed, options = {}) {
    // The latest options, read by the provider at each call: a new provider function on every
    // render changes nothing, and the refresher is not restarted for it. Updated once the render
    // commits (a render React throws away must not leave its provider behind), before any other
    // effect runs; the insertion effect is the one that also keeps quiet on the server.
    const latest = useRef(options);
    useInsertionEffect(() => {
      latest.current = options;
    });
    const running = useRef(null);
    const [state, setState] = useState(IDLE);

    useEffect(() => {
      if (!embed) return undefined;
      let refresher = null;
      let cancelled = false;
      const start = () => {
        // Cleaned up before the .wasm was ready (StrictMode's first mount, a quick unmount):
        // nothing was started, nothing to stop.
        if (cancelled) return;
        const { getNewAccessToken, ...rest } = latest.current;
        refresher = new TokenRefresher({
          ...rest,
          embed,
          // Left out, the refresher calls the global getNewUserAccessToken, as without React; not
          // a function, the constructor's TypeError says so.
          getNewAccessToken:
            typeof getNewAccessToken === "function"
              ? (request) => (latest.current.getNewAccessToken ?? getNewAccessToken)(request)
              : getNewAccessToken,
        });
        for (const name of EVENTS) {
          refresher.on(name, (event) => setState({ lastEvent: event, status: refresher.status, loadError: null }));
        }
        refresher.start();
        running.current = refresher;
        setState((s) => ({ ...s, status: refresher.status, loadError: null }));
      };
      const fail = (error) => {
        if (!cancelled) setState({ ...IDLE, loadError: error });
      };
      const whenReady = ready();
      if (whenReady === true) {
        start(); // synchronous: a TypeError from bad options reaches the nearest error boundary
      } else {
        whenReady.then(() => {
          try {
            start();
          } catch (error) {
            // Rethrown during render, where an error boundary can catch it.
            if (!cancelled) setState(() => { throw error; });
          }
        }, fail);
      }
      // Runs on unmount, when `embed` changes, and between StrictMode's two mounts.
      return () => {
        cancelled = true;
        if (running.current === refresher) running.current = null;
        if (!refresher) return;
        refresher.stop();
        // The UI shows `running: false` until another refresher starts (ignored after unmount).
        const stopped = refresher.status;
        setState((s) => ({ ...s, status: stopped }));
      };
    }, [embed]);

    const refreshNow = useCallback(() => running.current?.refreshNow() ?? Promise.resolve(false), []);
    return { ...state, refreshNow };
  };
}
