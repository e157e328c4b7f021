// The image types a photo may have, and how to tell them from a file's first bytes.

export const PHOTO_TYPES = {
  'image/jpeg': { extension: 'jpg', signature: [[0, [0xff, 0xd8, 0xff]]] },
  'image/png': {
    extension: 'png',
    signature: [[0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]],
  },
  // A RIFF container whose format is WEBP: "RIFF", four bytes of length, "WEBP".
  'image/webp': {
    extension: 'webp',
    signature: [
      [0, [0x52, 0x49, 0x46, 0x46]],
      [8, [0x57, 0x45, 0x42, 0x50]],
    ],
  },
} as const satisfies Record<string, { extension: string; signature: [number, number[]][] }>;

export type PhotoType = keyof typeof PHOTO_TYPES;

/** How many leading bytes `sniffPhotoType` needs to decide. */
export const SNIFF_BYTES = 16;

export const isPhotoType = (type: unknown): type is PhotoType =>
  typeof type === 'string' && Object.hasOwn(PHOTO_TYPES, type);

/** The photo type these leading bytes start, or undefined: SVG, HTML or text never match. */
export function sniffPhotoType(bytes: Uint8Array): PhotoType | undefined {
  for (const [type, { signature }] of Object.entries(PHOTO_TYPES)) {
    const matches = signature.every(([offset, expected]) =>
      expected.every((byte, i) => bytes[offset + i] === byte),
    );
    if (matches) return type as PhotoType;
  }
  return undefined;
}
