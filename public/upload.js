// The photo form, improved when JavaScript runs: the upload gets a signature for the file's own type,
// shows its progress, and the new photo appears without leaving the page. Without this script, the
// same form posts straight to the bucket and S3 sends the browser back to the confirm page.

const form = document.querySelector('form[data-photo-upload]');
if (form) enhance(form);

function enhance(form) {
  const input = form.querySelector('input[type="file"]');
  const progress = form.querySelector('[data-progress]');
  const status = form.querySelector('[data-status]');
  const button = form.querySelector('button[type="submit"]');
  const types = input.accept.split(',');
  const maxBytes = Number(form.dataset.maxBytes);

  const say = (message, failed = false) => {
    status.textContent = message;
    status.classList.toggle('error', failed);
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return say('Choose a photo first.', true);
    // The same checks as the server's, early: the server and the bucket still check everything.
    if (!types.includes(file.type)) return say('A photo must be a JPEG, PNG or WebP image.', true);
    if (file.size > maxBytes) return say('A photo can be at most 5 MB.', true);

    button.disabled = true;
    try {
      // #region flow
      say('Preparing the upload…');
      const upload = await post(form.dataset.presign, { type: file.type });
      say('Uploading…');
      await send(upload, file, (fraction) => {
        progress.hidden = false;
        progress.value = Math.round(fraction * 100);
      });
      say('Checking the photo…');
      const { photo } = await post(form.dataset.confirm, { upload: upload.id });
      show(photo);
      form.reset();
      say('Your new photo is on your page.');
      // #endregion
    } catch (err) {
      say(err.message, true);
    } finally {
      progress.hidden = true;
      button.disabled = false;
    }
  });

  /** A form post to this site, answered with JSON; a refusal's message becomes the error. */
  async function post(url, fields) {
    let answer;
    try {
      answer = await fetch(url, {
        method: 'POST',
        headers: { Accept: 'application/json', 'X-CSRF-Token': form.dataset.csrf },
        body: new URLSearchParams(fields),
      });
    } catch {
      throw new Error('The site did not answer. Check your connection and try again.');
    }
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error(body.error?.message ?? `The site answered ${answer.status}.`);
    return body;
  }

  /** The upload itself, from this browser to the bucket; XMLHttpRequest reports its progress. */
  function send(upload, file, onProgress) {
    const data = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) data.append(name, value);
    data.append('file', file);
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', upload.url);
      request.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
      request.addEventListener('load', () => {
        if (request.status >= 200 && request.status < 300) return resolve();
        // S3 explains a refusal in XML: <Error><Code>…</Code><Message>…</Message></Error>.
        const xml = new DOMParser().parseFromString(request.responseText, 'application/xml');
        const reason = xml.querySelector('Message')?.textContent;
        reject(new Error(`The storage refused the file${reason ? `: ${reason}` : ''}.`));
      });
      request.addEventListener('error', () =>
        reject(new Error('The upload did not reach the storage. Try again in a moment.')),
      );
      request.send(data);
    });
  }

  function show(photo) {
    const img = document.querySelector('img[data-photo]');
    img.src = photo.url;
    img.hidden = false;
    document.querySelector('[data-no-photo]')?.remove();
    // The label's own text, as the page says it once there is a photo.
    const label = input.closest('label')?.firstChild;
    if (label?.nodeType === 3) label.textContent = 'Choose a new photo';
  }
}
