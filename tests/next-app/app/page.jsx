// `/`: the report on the main entry (`powerbi-token-refresh/react`). Rendered on the server at
// each request (the query says where the stand-in is), then hydrated.
import MainReport from "./report-main.jsx";

export const dynamic = "force-dynamic";

export default async function Page({ searchParams }) {
  return <MainReport settings={await searchParams} />;
}
