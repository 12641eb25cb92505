import { useCallback, useEffect, useState } from "react";
import { api, checked } from "../api";

/** The user's stored files (GET /api/files), fetched again on demand and whenever `key` changes. */
export function useStoredFiles(key) {
  const [files, setFiles] = useState(null);
  const [error, setError] = useState(null);
  const refresh = useCallback(async () => {
    try {
      setFiles((await checked(await api("/api/files?limit=1000"))).files);
      setError(null);
    } catch (e) {
      setError(e.message);
    }
  }, []);
  useEffect(() => void refresh(), [refresh, key]);
  return { files, error, refresh };
}

/** The list in the sidebar: open a file (Quiver streams it from Django), or delete it. */
export default function StoredFiles({ stored, onOpen }) {
  const { files, error, refresh } = stored;
  async function remove(name) {
    await api(`/api/files/${encodeURIComponent(name)}`, { method: "DELETE" });
    refresh();
  }
  return (
    <section>
      <h3>Your files</h3>
      {error && <p role="alert">{error}</p>}
      {files?.length === 0 && <p>No files stored yet.</p>}
      <ul data-testid="stored-files">
        {files?.map((f) => (
          <li key={f.name}>
            <button className="link" data-testid={`open-${f.name}`} title={`${f.size.toLocaleString()} bytes, SHA-256 ${f.sha256}`} onClick={() => onOpen(f)}>
              {f.name}
            </button>
            <button className="link" aria-label={`Delete ${f.name}`} onClick={() => remove(f.name)}>
              ✕
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
