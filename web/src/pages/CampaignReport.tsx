// Placeholder until this page is written.
export function CampaignReport({ id }: { id: number }) {
  return <p>CampaignReport {id}</p>;
}
