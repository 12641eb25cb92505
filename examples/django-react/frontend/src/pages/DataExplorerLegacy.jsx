// The Data Explorer as it was: the upload goes to a pandas view, which sends
// back every row as JSON; Graphic Walker gets the rows and computes every
// chart from them in the page. (Kept to compare against; see the README's
// migration guide for the new page, DataExplorer.jsx.)
import { useState } from "react";
import { GraphicWalker } from "@kanaries/graphic-walker";
import Sidebar from "../components/Sidebar";
import { api, checked } from "../api";

export default function DataExplorerLegacy() {
  const [rows, setRows] = useState([]);
  const [fields, setFields] = useState([]);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);

  async function onUpload(file) {
    setLoading(true);
    setError(null);
    const form = new FormData();
    form.append("file", file);
    try {
      const body = await checked(await api("/api/legacy/upload", { method: "POST", body: form }));
      setRows(body.rows);
      setFields(body.fields);
    } catch (e) {
      setError(e.message);
    } finally {
      setLoading(false);
    }
  }

  return (
    <div className="explorer">
      <Sidebar onUpload={onUpload} busy={loading} status={loading ? "Uploading and parsing…" : rows.length ? `${rows.length} rows` : null} error={error} />
      <main data-testid="walker">{rows.length > 0 && <GraphicWalker data={rows} fields={fields} appearance="light" />}</main>
    </div>
  );
}
