// webpack 5: the package's main entry imports its .wasm as an ES module, which webpack
// instantiates before this module runs (experiments.asyncWebAssembly in webpack.config.js).
import { TokenRefresher } from "powerbi-token-refresh";

// Stand-ins, so the example runs alone. In an app `embed` is what powerbi.embed() returned (or
// pass `container` instead) and the provider asks your backend, which calls GenerateToken.
const embed = {
  received: [],
  setAccessToken(token) {
    this.received.push(token);
    return Promise.resolve();
  },
};
let issued = 0;
const getNewAccessToken = async () => ({
  token: `token-${++issued}`,
  expiration: new Date(Date.now() + 60 * 60_000),
});

const refresher = new TokenRefresher({
  embed,
  // The token used at embed time expires in 5 s, inside the default 10-minute margin: so the
  // refresher refreshes as soon as it starts.
  expiration: new Date(Date.now() + 5_000),
  getNewAccessToken,
});

const status = document.getElementById("status");
const refreshed = [];
refresher.on("refreshed", (event) => {
  refreshed.push(event);
  status.textContent = `refreshed (${event.reason}): the embed holds ${embed.received.at(-1)} until ${event.expiration}`;
});
refresher.on("error", (event) => (status.textContent = `error ${event.code}: ${event.message}`));
refresher.start();

window.example = { refreshed, received: embed.received, issued: () => issued };
