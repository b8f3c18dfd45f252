import { useEffect, useState } from "react";

export interface HashRoute {
  /** "/keys", "/sessions", "/audit", "/signin", "/signup". */
  path: string;
  query: URLSearchParams;
}

function read(): HashRoute {
  const hash = window.location.hash.replace(/^#/, "") || "/keys";
  const [path = "/keys", query = ""] = hash.split("?");
  return { path, query: new URLSearchParams(query) };
}

/** Hash routing: every page has an address, and the server needs no fallback route. */
export function useHashRoute(): HashRoute {
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

export function navigate(path: string): void {
  window.location.hash = path;
}
