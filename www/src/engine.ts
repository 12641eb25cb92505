// The demo's access to the engine: initialises the wasm module once and opens
// sources (a File or a URL) as Quiver datasets.
import init, { Dataset, type IngestOptions, type LoadProgress } from "@quiver/wasm";

const ready = init();

export type Source = { kind: "file"; file: File } | { kind: "url"; url: string; name: string };

export interface OpenRequest {
  source: Source;
  options?: IngestOptions;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Called as soon as the dataset exists, before it has loaded. */
  onDataset?: (dataset: Dataset) => void;
}

export function sourceName(source: Source): string {
  return source.kind === "file" ? source.file.name : source.name;
}

/** Opens `source`; resolves when loaded, rejects (AbortError, Error) otherwise. */
export async function open({ source, options, onProgress, signal, onDataset }: OpenRequest): Promise<Dataset> {
  await ready;
  const dataset = new Dataset(options ?? {});
  onDataset?.(dataset);
  const control = { onProgress, signal };
  if (source.kind === "file") await dataset.loadFile(source.file, control);
  else await dataset.loadUrl(source.url, control);
  return dataset;
}

export type { Dataset, LoadProgress, IngestOptions };
