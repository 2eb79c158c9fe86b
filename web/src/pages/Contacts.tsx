// Placeholder until this page is written.
export function Contacts() {
  return <p>Contacts</p>;
}
