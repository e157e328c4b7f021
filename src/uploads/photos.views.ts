// The photo section of "my page": the photo, and a form that uploads straight to the bucket.
import { html, type SafeHtml } from '../platform/html.ts';
import { MAX_PHOTO_BYTES, TYPE_NAMES, type IssuedUpload, type Photo } from './photos.service.ts';
import { PHOTO_TYPES } from './image-types.ts';

export interface PhotoSectionState {
  photo: Photo | undefined;
  /** A form post signed for this page, so that the form works without JavaScript. */
  upload: IssuedUpload;
  csrfToken: string;
}

export function photoSectionView({ photo, upload, csrfToken }: PhotoSectionState): SafeHtml {
  // The file goes last: S3 reads no field after it.
  return html`<section class="photo" aria-labelledby="photo-heading">
    <h2 id="photo-heading">Your photo</h2>
    <figure>
      ${
        photo
          ? html`<img
              src="${photo.url}"
              alt="Your profile photo"
              width="160"
              height="160"
              data-photo
            />`
          : html`<img alt="Your profile photo" width="160" height="160" hidden data-photo />
              <p data-no-photo>No photo yet.</p>`
      }
    </figure>
    <form
      method="post"
      action="${upload.url}"
      enctype="multipart/form-data"
      data-photo-upload
      data-presign="/me/photo/uploads"
      data-confirm="/me/photo/confirm"
      data-csrf="${csrfToken}"
      data-max-bytes="${MAX_PHOTO_BYTES}"
    >
      ${Object.entries(upload.fields).map(
        ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
      )}
      <label>
        ${photo ? 'Choose a new photo' : 'Choose a photo'}
        <input
          type="file"
          name="file"
          accept="${Object.keys(PHOTO_TYPES).join(',')}"
          required
          aria-describedby="photo-hint"
        />
        <small id="photo-hint">${TYPE_NAMES}, up to 5 MB. It goes straight to our storage.</small>
      </label>
      <progress value="0" max="100" hidden data-progress></progress>
      <p role="status" aria-live="polite" data-status></p>
      <button type="submit">Upload</button>
    </form>
    <script type="module" src="/assets/upload.js"></script>
  </section>`;
}
