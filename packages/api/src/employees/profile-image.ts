import { DomainError } from '@seed-pms/domain';
import sharp from 'sharp';

/** Longest side of a stored profile image; larger uploads are scaled down. */
const MAX_SIDE = 1024;
const THUMBNAIL_SIDE = 128;

export interface ProcessedImage {
  bytes: Buffer;
  contentType: string;
}

/**
 * Re-encodes an uploaded profile image: applies its EXIF orientation, scales
 * it to at most 1024 px, and writes it again without any metadata (EXIF, GPS,
 * XMP, comments), so nothing the camera recorded leaks; the format stays the
 * one the content showed. Also makes a 128×128 WebP thumbnail. Re-encoding
 * means whatever else the file carried is not stored.
 */
export async function processProfileImage(
  bytes: Buffer,
  contentType: string,
): Promise<{ image: ProcessedImage; thumbnail: ProcessedImage }> {
  try {
    // sharp writes no metadata unless asked to (withMetadata/keepExif), which we never do.
    const source = () => sharp(bytes, { failOn: 'error', limitInputPixels: 50_000_000 }).rotate();
    const scaled = source().resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true });
    const encoded =
      contentType === 'image/png'
        ? scaled.png({ compressionLevel: 9 })
        : contentType === 'image/webp'
          ? scaled.webp({ quality: 88 })
          : scaled.jpeg({ quality: 88, mozjpeg: true });
    const [image, thumbnail] = await Promise.all([
      encoded.toBuffer(),
      source().resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'cover' }).webp({ quality: 80 }).toBuffer(),
    ]);
    return {
      image: {
        bytes: image,
        contentType: contentType === 'image/png' || contentType === 'image/webp' ? contentType : 'image/jpeg',
      },
      thumbnail: { bytes: thumbnail, contentType: 'image/webp' },
    };
  } catch (error) {
    throw new DomainError('IMAGE_UNREADABLE', 'The image could not be read; upload a PNG, JPEG or WebP picture', {
      field: 'file',
      reason: error instanceof Error ? error.message.slice(0, 200) : 'unreadable',
    });
  }
}
