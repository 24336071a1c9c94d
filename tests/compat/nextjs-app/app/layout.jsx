/** No icon file to fetch: the browser asks for no /favicon.ico, so a test can insist that nothing failed to load. */
export const metadata = { title: 'Keyhaven with the Kinde Next.js SDK', icons: { icon: 'data:,' } };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
