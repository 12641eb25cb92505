// The file store (server/, `quiver-store`): upload a CSV to it, list what it
// holds, reopen a file later (Quiver streams it from the store's URL, with
// progress from Content-Length). The store only keeps files; nothing is
// parsed there.
import { useCallback, useEffect, useState } from "react";
import { bytes } from "../format";
import { FileButton } from "../components/FileButton";

/** Where the store is: `?store=URL` on the page, else `VITE_STORE_URL` (set
 *  by `npm start`), else the default port. */
export const STORE_URL: string = (
  new URLSearchParams(location.search).get("store") ??
  (import.meta as unknown as { env?: Record<string, string | undefined> }).env?.VITE_STORE_URL ??
  "http://127.0.0.1:8787"
).replace(/\/$/, "");

interface StoredFile {
  name: string;
  size: number;
  sha256: string;
  uploaded: string;
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = await response.json();
    return body?.error?.message ?? `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/** PUTs `file` with upload progress (fetch cannot report it; XHR can). */
function upload(file: File, onProgress: (sent: number) => void): Promise<StoredFile> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", `${STORE_URL}/files/${encodeURIComponent(file.name)}`);
    request.upload.onprogress = (e) => onProgress(e.loaded);
    request.onload = () => {
      let body: { error?: { message?: string } } & Partial<StoredFile> = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        /* not JSON */
      }
      if (request.status === 201) resolve(body as StoredFile);
      else reject(new Error(body.error?.message ?? `the store answered ${request.status}`));
    };
    request.onerror = () => reject(new Error("the file store cannot be reached"));
    request.send(file);
  });
}

export function ServerFiles({ onOpen }: { onOpen: (url: string, name: string) => void }) {
  const [files, setFiles] = useState<StoredFile[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState<{ name: string; sent: number; total: number } | null>(null);

  const refresh = useCallback(async () => {
    try {
      const response = await fetch(`${STORE_URL}/files?limit=1000`);
      if (!response.ok) throw new Error(await errorText(response));
      setFiles((await response.json()).files);
      setProblem(null);
    } catch (e) {
      setFiles(null);
      setProblem(e instanceof TypeError ? `The file store at ${STORE_URL} is not running (npm start starts it).` : String((e as Error).message));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const send = async (file: File) => {
    setSending({ name: file.name, sent: 0, total: file.size });
    try {
      await upload(file, (sent) => setSending({ name: file.name, sent, total: file.size }));
      await refresh();
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setSending(null);
    }
  };

  const remove = async (name: string) => {
    const response = await fetch(`${STORE_URL}/files/${encodeURIComponent(name)}`, { method: "DELETE" });
    if (!response.ok) setProblem(await errorText(response));
    await refresh();
  };

  return (
    <section className="server-files" data-testid="server-files">
      <h2>On the server</h2>
      <FileButton label="Upload to server…" testId="store-upload" onFile={(file) => void send(file)} />
      {sending && (
        <div className="bar" role="progressbar" aria-valuenow={Math.round((sending.sent / Math.max(1, sending.total)) * 100)}>
          <div className="fill" style={{ width: `${(sending.sent / Math.max(1, sending.total)) * 100}%` }} />
          <small>
            {sending.name}: {bytes(sending.sent)} of {bytes(sending.total)}
          </small>
        </div>
      )}
      {problem && <p className="error">{problem}</p>}
      {files && files.length === 0 && <p className="hint">No files stored yet.</p>}
      {files && files.length > 0 && (
        <ul>
          {files.map((f) => (
            <li key={f.name}>
              <button className="link" data-testid={`open-${f.name}`} title={`SHA-256 ${f.sha256}`} onClick={() => onOpen(`${STORE_URL}/files/${encodeURIComponent(f.name)}`, f.name)}>
                {f.name}
              </button>
              <small>
                {bytes(f.size)} · {f.uploaded.slice(0, 10)}
              </small>
              <button className="link danger" aria-label={`Delete ${f.name}`} onClick={() => void remove(f.name)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
