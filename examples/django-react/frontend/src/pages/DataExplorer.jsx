// The Data Explorer on Quiver: a picked file opens in Quiver at once (from
// the disk) while it uploads to Django (quiver_files); a stored file streams
// from Django into Quiver; Graphic Walker asks Quiver for every chart.
import { useMemo, useState } from "react";
import { GraphicWalker } from "@kanaries/graphic-walker";
import { computationFor, fieldsFor } from "@quiver/client/graphic-walker";
import { useDataset } from "@quiver/client/react";
import Sidebar from "../components/Sidebar";
import StoredFiles, { useStoredFiles } from "../components/StoredFiles";
import { checkUpload, fileUrl, uploadFile, uploadMessage } from "../api";

export default function DataExplorer() {
  const [opened, setOpened] = useState(null); // a picked File, or a stored file {name, sha256}
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);
  const { dataset, status, info, error: loadError } = useDataset(opened?.sha256 ? `${fileUrl(opened.name)}?v=${opened.sha256}` : opened);
  const computation = useMemo(() => dataset && computationFor(dataset), [dataset]);
  const stored = useStoredFiles(status);
  const gone = status === "ready" && opened?.sha256 && stored.files && !stored.files.some((f) => f.sha256 === opened.sha256);

  async function onUpload(file) {
    setLoading(true);
    setError(null);
    try {
      await checkUpload(file);
      setOpened(file);
      await uploadFile(file);
    } catch (e) {
      setError(uploadMessage(file, e));
    } finally {
      setLoading(false);
      stored.refresh();
    }
  }

  return (
    <div className="explorer">
      <Sidebar onUpload={onUpload} busy={loading} status={loading ? "Uploading…" : status === "loading" ? "Opening…" : info && `${info.numRows.toLocaleString("en-US")} rows · ${info.schema.length} columns`}
        error={error ?? (loadError && `${opened?.name} could not be opened: ${loadError.message}`)} notice={gone && `${opened.name} was deleted on the server while it was opening: you are exploring the copy that loaded.`}>
        <StoredFiles stored={stored} onOpen={setOpened} />
      </Sidebar>
      <main data-testid="walker">{status === "ready" && <GraphicWalker fields={fieldsFor(info.schema)} computation={computation} appearance="light" />}</main>
    </div>
  );
}
