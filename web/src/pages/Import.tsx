// Placeholder until this page is written.
export function Import() {
  return <p>Import</p>;
}
