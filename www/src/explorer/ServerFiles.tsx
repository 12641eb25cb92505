// The file store (server/, `quiver-store`): upload a CSV to it, list what it
// holds, reopen a file later (Quiver streams it from the store's URL, with
// progress from Content-Length). The store only keeps files; nothing is
// parsed there.
//
// Uploads are resumable (tus, with tus-js-client): progress, pause and
// resume, and after a network cut or a page reload they go on from where
// the store got to — after a reload, once the same file is chosen again
// (a page cannot reopen a file by itself). The store refuses writes a page
// on another site could forge (README, "The file store"); tus's own headers
// and the DELETE's CORS preflight are what prove this page is allowed.
import { useCallback, useEffect, useRef, useState } from "react";
import * as tus from "tus-js-client";
import { bytes } from "../format";
import { FileButton } from "../components/FileButton";

const params = new URLSearchParams(location.search);

/** Where the store is: `?store=URL` on the page, else `VITE_STORE_URL` (set
 *  by `npm start`), else the default port. */
export const STORE_URL: string = (
  params.get("store") ??
  (import.meta as unknown as { env?: Record<string, string | undefined> }).env?.VITE_STORE_URL ??
  "http://127.0.0.1:8787"
).replace(/\/$/, "");

/** Bytes per PATCH request: one request for the whole file by default (a cut
 *  keeps what arrived); `?chunk=N` for smaller ones. */
const CHUNK_SIZE = Number(params.get("chunk")) || Infinity;

interface StoredFile {
  name: string;
  size: number;
  sha256: string;
  uploaded: string;
}

interface Sending {
  name: string;
  sent: number;
  total: number;
  paused: boolean;
}

/** An upload the store holds part of, from an earlier visit (tus's local storage). */
interface Unfinished {
  key: string;
  name: string;
  size: number;
  url: string;
  /** Bytes the store has; null when it could not say just now (busy, unreachable). */
  offset: number | null;
  /** The store no longer knows it (finished, expired, discarded). */
  gone: boolean;
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = await response.json();
    return body?.error?.message ?? `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/** The store's own words for a failed tus request, if it sent any. */
function tusError(error: Error): string {
  const response = (error as tus.DetailedError).originalResponse;
  if (!response) return `The upload stopped: the file store cannot be reached (${STORE_URL}).`;
  try {
    return JSON.parse(response.getBody())?.error?.message ?? `The store answered ${response.getStatus()}.`;
  } catch {
    return `The store answered ${response.getStatus()}.`;
  }
}

/** Unfinished uploads to this store remembered by the browser, with how far each got. */
async function unfinishedUploads(): Promise<Unfinished[]> {
  const previous = await tus.defaultOptions.urlStorage.findAllUploads();
  const mine = previous.filter((p) => p.uploadUrl?.startsWith(`${STORE_URL}/`));
  return Promise.all(
    mine.map(async (p) => {
      let offset: number | null = null;
      let gone = false;
      try {
        const head = await fetch(p.uploadUrl!, { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" } });
        if (head.ok) offset = Number(head.headers.get("Upload-Offset"));
        gone = head.status === 404 || head.status === 410 || (head.ok && offset === p.size);
      } catch {
        offset = null; // the store is not reachable now: keep it for later
      }
      return { key: p.urlStorageKey, name: p.metadata.filename ?? "?", size: p.size ?? 0, url: p.uploadUrl!, offset, gone };
    }),
  );
}

export function ServerFiles({ onOpen }: { onOpen: (url: string, name: string) => void }) {
  const [files, setFiles] = useState<StoredFile[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState<Sending | null>(null);
  const [unfinished, setUnfinished] = useState<Unfinished[]>([]);
  const upload = useRef<tus.Upload | null>(null);

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
    try {
      // Uploads the store no longer knows (finished, expired) are forgotten.
      const all = await unfinishedUploads();
      for (const u of all.filter((u) => u.gone)) await tus.defaultOptions.urlStorage.removeUpload(u.key);
      setUnfinished(all.filter((u) => !u.gone));
    } catch {
      setUnfinished([]);
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const send = async (file: File) => {
    setProblem(null);
    setSending({ name: file.name, sent: 0, total: file.size, paused: false });
    const next = new tus.Upload(file, {
      endpoint: `${STORE_URL}/uploads`,
      metadata: { filename: file.name, filetype: file.type || "text/csv" },
      chunkSize: CHUNK_SIZE,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => setSending((s) => (s ? { ...s, sent, total } : s)),
      onSuccess: () => {
        upload.current = null;
        setSending(null);
        void refresh();
      },
      onError: (error) => {
        upload.current = null;
        setSending(null);
        setProblem(tusError(error));
        void refresh();
      },
    });
    upload.current = next;
    // The same file chosen again (after a reload, say) goes on where it stopped.
    const previous = await next.findPreviousUploads();
    if (previous.length > 0) next.resumeFromPreviousUpload(previous[0]);
    next.start();
  };

  const pause = () => {
    void upload.current?.abort();
    setSending((s) => (s ? { ...s, paused: true } : s));
  };

  const resume = () => {
    upload.current?.start();
    setSending((s) => (s ? { ...s, paused: false } : s));
  };

  const cancel = async () => {
    const current = upload.current;
    upload.current = null;
    setSending(null);
    if (current) await current.abort(true).catch(() => undefined); // also deletes what the store staged
    await refresh();
  };

  const discard = async (u: Unfinished) => {
    await tus.Upload.terminate(u.url, { retryDelays: [0, 1000] }).catch(() => undefined);
    await tus.defaultOptions.urlStorage.removeUpload(u.key);
    await refresh();
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
        <div className="bar" role="progressbar" aria-valuenow={Math.round((sending.sent / Math.max(1, sending.total)) * 100)} data-testid="store-progress">
          <div className="fill" style={{ width: `${(sending.sent / Math.max(1, sending.total)) * 100}%` }} />
          <small>
            {sending.name}: {bytes(sending.sent)} of {bytes(sending.total)}
            {sending.paused ? " (paused)" : ""}
          </small>
          <span className="controls">
            {sending.paused ? (
              <button className="link" data-testid="store-resume" onClick={resume}>
                Resume
              </button>
            ) : (
              <button className="link" data-testid="store-pause" onClick={pause}>
                Pause
              </button>
            )}
            <button className="link danger" data-testid="store-cancel" onClick={() => void cancel()}>
              Cancel
            </button>
          </span>
        </div>
      )}
      {!sending && unfinished.length > 0 && (
        <ul className="unfinished" data-testid="store-unfinished">
          {unfinished.map((u) => (
            <li key={u.key}>
              <small>
                {u.name}: {u.offset === null ? "part" : bytes(u.offset)} of {bytes(u.size)} on the server — choose the file again to resume
              </small>
              <button className="link danger" aria-label={`Discard the upload of ${u.name}`} onClick={() => void discard(u)}>
                ×
              </button>
            </li>
          ))}
        </ul>
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
