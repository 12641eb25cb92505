// Where a file comes from: drag and drop, the file picker, the sample file,
// or a URL (a file the server stores).
import { useState } from "react";
import { FileButton } from "./FileButton";

export const SAMPLE_URL = "/samples/sales-sample.csv";

export function Picker({ onSource, busy }: { onSource: (source: File | string) => void; busy: boolean }) {
  const [dragging, setDragging] = useState(false);
  const [url, setUrl] = useState("");
  return (
    <section
      className={`picker ${dragging ? "dragging" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const file = e.dataTransfer.files[0];
        if (file) onSource(file);
      }}
    >
      <p>Drop a CSV file here, or</p>
      <FileButton className="button primary" label="Choose a file…" testId="file-input" onFile={onSource} />
      <button className="button" onClick={() => onSource(new URL(SAMPLE_URL, location.href).href)} disabled={busy}>
        Load the sample sales file
      </button>
      <form
        className="url"
        onSubmit={(e) => {
          e.preventDefault();
          if (url) onSource(url);
        }}
      >
        <input type="url" placeholder="…or open a URL (https://…/file.csv)" value={url} onChange={(e) => setUrl(e.target.value)} />
        <button className="button" type="submit" disabled={!url}>
          Open
        </button>
      </form>
    </section>
  );
}
