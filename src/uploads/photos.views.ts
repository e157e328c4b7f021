// The photo on "my page", and the page that changes it with a form that uploads straight to the bucket.
import { html, type SafeHtml } from '../platform/html.ts';
import { MAX_PHOTO_BYTES, TYPE_NAMES, type IssuedUpload, type Photo } from './photos.service.ts';
import { PHOTO_TYPES } from './image-types.ts';

/** The photo, or the words that there is none; the page's script fills in the image after an upload. */
function photoFigure(photo: Photo | undefined): SafeHtml {
  return html`<figure>
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
  </figure>`;
}

/**
 * The photo section of "my page": the photo and a link to the page that changes it. Reading my page
 * signs nothing and writes nothing; an upload is signed only when somebody opens that page.
 */
export function photoSectionView(photo: Photo | undefined): SafeHtml {
  return html`<section class="photo" aria-labelledby="photo-heading">
    <h2 id="photo-heading">Your photo</h2>
    ${photoFigure(photo)}
    <p><a href="/me/photo">${photo ? 'Change your photo' : 'Add a photo'}</a></p>
  </section>`;
}

export interface PhotoPageState {
  photo: Photo | undefined;
  /** A form post signed for this page, so that the form works without JavaScript. */
  upload: IssuedUpload;
  csrfToken: string;
}

/** The page that changes the photo: a form that uploads straight to the bucket. */
export function photoPageView({ photo, upload, csrfToken }: PhotoPageState): SafeHtml {
  // The file goes last: S3 reads no field after it.
  return html`<article class="narrow photo">
    <h1>Your photo</h1>
    ${photoFigure(photo)}
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
    <p><a href="/me">Back to my page</a></p>
    <script type="module" src="/assets/upload.js"></script>
  </article>`;
}
