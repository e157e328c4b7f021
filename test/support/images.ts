// Image files for upload tests, made here: a real PNG of any size, and files that only start like one.
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A valid RGB PNG that browsers display. Noise does not compress, so its size is about
 * width × height × 3 bytes: `png(1280, 1280, 'noise')` is a photo of just under 5 MB.
 */
export function png(width: number, height: number, fill: 'plain' | 'noise' = 'plain'): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, no interlace
  const row = width * 3 + 1; // each row starts with its filter byte (0: none)
  const pixels = fill === 'noise' ? randomBytes(row * height) : Buffer.alloc(row * height, 0x90);
  for (let y = 0; y < height; y++) pixels[y * row] = 0;
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels, { level: fill === 'noise' ? 0 : 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The first bytes of a JPEG and of a WebP file, padded: what the app's check reads, and no more. */
export const jpegLike = (size = 2048) =>
  Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, 1)]);
export const webpLike = (size = 2048) =>
  Buffer.concat([
    Buffer.from('RIFF', 'ascii'),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('WEBPVP8 ', 'ascii'),
    Buffer.alloc(size - 16, 1),
  ]);
