// Placeholder until this page is written.
export function Wizard() {
  return <p>Wizard</p>;
}
