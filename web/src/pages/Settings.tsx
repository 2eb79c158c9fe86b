// Placeholder until this page is written.
export function Settings({ tab }: { tab: string }) {
  return <p>Settings {tab}</p>;
}
