"use client";
// The report on the main entry: under Turbopack as is, under webpack with asyncWebAssembly.
import { TokenRefresher } from "powerbi-token-refresh";
import { useTokenRefresher } from "powerbi-token-refresh/react";
import { Report } from "./report.jsx";

export default function MainReport({ settings }) {
  return <Report settings={settings} entry="main" useTokenRefresher={useTokenRefresher} TokenRefresher={TokenRefresher} />;
}
