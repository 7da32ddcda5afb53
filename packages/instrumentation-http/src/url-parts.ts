/** Host and port from a `Host` header or authority (`example.com:8080`, `[::1]:80`, `example.com`). */
export function splitAuthority(authority: string, defaultPort: number): { address: string; port: number } {
  const colon = authority.lastIndexOf(':');
  if (colon !== -1 && colon > authority.lastIndexOf(']')) {
    const port = Number(authority.slice(colon + 1));
    return { address: stripBrackets(authority.slice(0, colon)), port: Number.isInteger(port) ? port : defaultPort };
  }
  return { address: stripBrackets(authority), port: defaultPort };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
