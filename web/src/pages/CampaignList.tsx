// Placeholder until this page is written.
export function CampaignList() {
  return <p>CampaignList</p>;
}
