// Placeholder until this page is written.
export function ContactCard({ id }: { id: number }) {
  return <p>ContactCard {id}</p>;
}
