import { useEffect, useState } from "react";
import { api, checked } from "./api";
import Login from "./pages/Login";
import DataExplorer from "./pages/DataExplorer";
import DataExplorerLegacy from "./pages/DataExplorerLegacy";

/** Who is logged in (null: nobody), the page from the URL's hash. */
export default function App() {
  const [user, setUser] = useState(undefined);
  const [page, setPage] = useState(location.hash);
  useEffect(() => {
    api("/api/auth/csrf").then(() => api("/api/auth/me")).then((r) => (r.ok ? r.json() : null)).then((me) => setUser(me?.username ?? null));
    const onHash = () => setPage(location.hash);
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  if (user === undefined) return null;
  if (user === null) return <Login onLogin={setUser} />;
  async function logout() {
    await checked(await api("/api/auth/logout", { method: "POST" }));
    setUser(null);
  }
  return (
    <>
      <header>
        <strong>Data Explorer</strong>
        <nav>
          <a href="#">Explorer</a>
          <a href="#legacy">Explorer (old, pandas)</a>
          <span data-testid="user">{user}</span>
          <button onClick={logout}>Log out</button>
        </nav>
      </header>
      {page === "#legacy" ? <DataExplorerLegacy /> : <DataExplorer />}
    </>
  );
}
