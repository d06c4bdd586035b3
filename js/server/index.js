// `powerbi-token-refresh` on the server (the `node` and `edge-light` export conditions: Node,
// server rendering in Next.js, Vite SSR, Angular SSR): the same names as the main entry, and
// nothing done on import. The main entry instantiates its .wasm as it is imported, which a server
// has no use for (there is no embed to refresh) and Node cannot do (it does not import .wasm as
// ES modules). Constructing a TokenRefresher here is a mistake: it says so.
export class TokenRefresher {
  constructor() {
    throw new Error(
      "powerbi-token-refresh: TokenRefresher runs in the browser only; this is its server build, " +
        "which lets server rendering import the package. Construct it in the browser (in an effect).",
    );
  }

  /** No refresher is ever started on the server. */
  static startedCount() {
    return 0;
  }
}
