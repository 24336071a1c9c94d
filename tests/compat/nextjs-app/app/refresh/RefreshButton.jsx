'use client';
import { useState } from 'react';
import { refresh } from './actions';

export default function RefreshButton() {
  const [result, setResult] = useState(null);
  return (
    <>
      <button type="button" onClick={async () => setResult(await refresh())}>Refresh tokens</button>
      {result && <pre id="refreshed">{JSON.stringify(result)}</pre>}
    </>
  );
}
