// injectTokenRefresher for Angular, on the `web` entry (index.js says why that entry). Plain
// JavaScript with no decorators and no build step, so the file the tests load is the file that
// ships; it uses only functions of @angular/core, no compiled Angular code.
import {
  DestroyRef,
  ErrorHandler,
  NgZone,
  assertInInjectionContext,
  effect,
  inject,
  signal,
  untracked,
} from "@angular/core";

const EVENTS = ["refreshed", "error", "expired", "warning"];

/**
 * Makes injectTokenRefresher for one entry. `ready()` resolves once that entry's TokenRefresher
 * can be constructed (the web entry: when init() has loaded the .wasm).
 */
export function makeInjectTokenRefresher(TokenRefresher, ready) {
  return function injectTokenRefresher(embed, options = {}) {
    assertInInjectionContext(injectTokenRefresher);
    const zone = inject(NgZone);
    const errors = inject(ErrorHandler);
    const lastEvent = signal(null);
    const status = signal(null);
    const loadError = signal(null);
    let current = null; // the embed the running (or loading) refresher is for
    let running = null;
    let generation = 0; // bumped by every stop: a load that ends later starts nothing

    const stop = () => {
      generation += 1;
      current = null;
      const refresher = running;
      running = null;
      if (!refresher) return;
      refresher.stop();
      status.set(refresher.status);
    };

    const start = (target, mine) => {
      if (mine !== generation) return; // stopped, or the embed changed, while the .wasm loaded
      try {
        const { getNewAccessToken, ...rest } = options;
        const refresher = new TokenRefresher({
          ...rest,
          embed: target,
          // Left out, the refresher calls the global getNewUserAccessToken, as without Angular; not
          // a function, the constructor's TypeError says so. Read at each call, in Angular's zone
          // (an HttpClient call there updates the view).
          getNewAccessToken:
            typeof getNewAccessToken === "function"
              ? (request) => zone.run(() => (options.getNewAccessToken ?? getNewAccessToken)(request))
              : getNewAccessToken,
        });
        for (const name of EVENTS) {
          refresher.on(name, (event) => {
            lastEvent.set(event);
            status.set(refresher.status);
          });
        }
        // Its timers and listeners outside the zone: with zone.js, a check must not run change
        // detection over the whole app; the signals above schedule what the view needs.
        zone.runOutsideAngular(() => refresher.start());
        running = refresher;
        status.set(refresher.status);
        loadError.set(null); // a load that failed for an earlier embed was tried again
      } catch (error) {
        errors.handleError(error); // a TypeError from bad options: Angular's handler, not the page
      }
    };

    // Runs again when a signal `embed` reads changes (a viewChild, a signal set in ngAfterViewInit).
    effect(() => {
      const target = typeof embed === "function" ? embed() : embed;
      untracked(() => {
        if (target === current) return;
        stop();
        if (!target) return;
        current = target;
        const mine = generation;
        const whenReady = ready();
        if (whenReady === true) return start(target, mine);
        whenReady.then(
          () => start(target, mine),
          (error) => mine === generation && loadError.set(error),
        );
      });
    });
    inject(DestroyRef).onDestroy(stop);

    return {
      lastEvent: lastEvent.asReadonly(),
      status: status.asReadonly(),
      loadError: loadError.asReadonly(),
      refreshNow: () => running?.refreshNow() ?? Promise.resolve(false),
    };
  };
}
