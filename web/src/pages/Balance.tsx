// Placeholder until this page is written.
export function Balance() {
  return <p>Balance</p>;
}
