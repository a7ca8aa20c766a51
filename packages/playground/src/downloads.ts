/** Hands bytes to the browser as a file download (no server: a blob URL and a clicked link). */
export function download(bytes: Uint8Array, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started reading the blob by the next task; give it a while before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file name part from any text: letters, digits, dots and dashes. */
export function fileStem(text: string): string {
  return (
    text
      .replace(/\.[a-z0-9]+$/i, '')
      .replace(/[^a-z0-9.]+/gi, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase() || 'model'
  );
}
