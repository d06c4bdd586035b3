// For the test: a second app whose composable gets a mistake in its options, on the report's
// embed. The refresher's TypeError must reach the app's errorHandler, not the page.
import { createApp, h } from "vue";
import { useTokenRefresher } from "powerbi-token-refresh/vue";
import "./backend.js"; // window.app

window.app.tryBadOptions = () =>
  new Promise((resolve) => {
    const app = createApp({
      setup() {
        useTokenRefresher(window.app.embed, { getNewAccessToken: 42 });
        return () => h("p");
      },
    });
    let settled = false;
    const done = (what) => {
      if (settled) return;
      settled = true;
      app.unmount();
      resolve(what);
    };
    app.config.errorHandler = (error) => done(`${error.name}: ${error.message}`);
    app.mount(document.createElement("div"));
    setTimeout(() => done("no error within 5 s"), 5000);
  });
