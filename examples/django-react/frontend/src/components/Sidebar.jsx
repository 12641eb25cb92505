/** The Data Explorer's sidebar: an upload button, what is happening, errors, and whatever the page adds. */
export default function Sidebar({ onUpload, busy, status, error, notice, children }) {
  return (
    <aside className="sidebar">
      <label>
        Upload a CSV file
        <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="upload" disabled={busy} onChange={(e) => e.target.files[0] && onUpload(e.target.files[0])} />
      </label>
      {status && <p data-testid="status">{status}</p>}
      {error && <p role="alert">{error}</p>}
      {notice && <p className="notice" data-testid="notice">{notice}</p>}
      {children}
    </aside>
  );
}
