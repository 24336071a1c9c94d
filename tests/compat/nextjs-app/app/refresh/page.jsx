import RefreshButton from './RefreshButton';

export const dynamic = 'force-dynamic';

export default function Refresh() {
  return (
    <main>
      <h1>Refresh</h1>
      <RefreshButton />
    </main>
  );
}
