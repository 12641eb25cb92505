// Calls to Django on the page's own origin, with the session cookie and
// Django's CSRF token (from its `csrftoken` cookie) on every write.
export function csrfToken() {
  return document.cookie.match(/(?:^|; )csrftoken=([^;]*)/)?.[1] ?? "";
}

export function api(path, init = {}) {
  const headers = new Headers(init.headers);
  if (init.method && init.method !== "GET") headers.set("X-CSRFToken", csrfToken());
  return fetch(path, { credentials: "same-origin", ...init, headers });
}

/** Throws the server's message for a failed JSON answer. */
export async function checked(response) {
  if (response.ok) return response.status === 204 ? null : response.json();
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    message = body?.error?.message ?? body?.error ?? body?.detail ?? message;
  } catch {}
  throw Object.assign(new Error(message), { status: response.status });
}

/** Where a stored file is read from (Quiver streams it from there). */
export const fileUrl = (name) => `/api/files/${encodeURIComponent(name)}`;

/**
 * Uploads a file to Django's file store (PUT, streamed by the browser) with
 * progress; resolves to {name, size, sha256, uploaded}.
 */
export function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", fileUrl(file.name));
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
    request.onload = () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {}
      if (request.status === 201) resolve(body);
      else reject(Object.assign(new Error(body?.error?.message ?? `upload failed: ${request.status}`), { status: request.status, code: body?.error?.code }));
    };
    request.onerror = () => reject(new Error("The connection to the server was lost during the upload."));
    request.send(file);
  });
}

/** Refuses a file that is not text before anything is sent. */
export async function checkUpload(file) {
  if (!/\.(csv|tsv|txt)$/i.test(file.name)) throw new Error(`${file.name} is not a CSV file (expected .csv, .tsv or .txt). Nothing was uploaded.`);
  const head = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
  if (head.includes(0)) throw new Error(`${file.name} is not a CSV file: it holds binary data. Nothing was uploaded.`);
}

/** What the page says when an upload failed. */
export function uploadMessage(file, error) {
  if (error.code === "login_expired") return `Your login expired while ${file.name} was uploading, so it was not stored. Log in again and upload it again.`;
  if (error.status === 401 || error.status === 403) return `You are not logged in any more, so ${file.name} was not stored. Log in again and upload it again.`;
  if (error.status === 413) return `${file.name} is too large: ${error.message}. Nothing was stored.`;
  if (error.code === "invalid_name") return `The server refused the file's name: ${error.message}. Rename the file and upload it again.`;
  return error.message;
}
