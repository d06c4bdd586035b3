// The root layout, a server component. PBI_HEAD_HTML (set by the test when `next start` serves
// WebKit) is a script that records the page's errors for engines without console events.
export const metadata = { title: "powerbi-token-refresh: Next.js test app" };

export default function RootLayout({ children }) {
  const head = process.env.PBI_HEAD_HTML;
  return (
    <html lang="en">
      <head>{head && <script dangerouslySetInnerHTML={{ __html: head.replace(/^<script>|<\/script>$/g, "") }} />}</head>
      <body>{children}</body>
    </html>
  );
}
