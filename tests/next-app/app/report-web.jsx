"use client";
// The report on the web entry: the hook loads the .wasm (init()) before its first refresher.
import { TokenRefresher } from "powerbi-token-refresh/web";
import { useTokenRefresher } from "powerbi-token-refresh/web/react";
import { Report } from "./report.jsx";

export default function WebReport({ settings }) {
  return <Report settings={settings} entry="web" useTokenRefresher={useTokenRefresher} TokenRefresher={TokenRefresher} />;
}
