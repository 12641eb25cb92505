// A button that picks one CSV file (a label around a hidden file input).
export const CSV_ACCEPT = ".csv,.tsv,.txt,text/csv,text/plain";

export function FileButton({
  label,
  testId,
  onFile,
  className = "button",
}: {
  label: string;
  testId: string;
  onFile: (file: File) => void;
  className?: string;
}) {
  return (
    <label className={className}>
      {label}
      <input
        type="file"
        data-testid={testId}
        accept={CSV_ACCEPT}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) onFile(file);
          e.target.value = "";
        }}
      />
    </label>
  );
}
