// `/web`: the same report on the web entry (`powerbi-token-refresh/web/react`).
import WebReport from "../report-web.jsx";

export const dynamic = "force-dynamic";

export default async function Page({ searchParams }) {
  return <WebReport settings={await searchParams} />;
}
