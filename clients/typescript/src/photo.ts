/**
 * Photos made small in the browser before they leave the phone: a 12 MP photo is about 3 MB,
 * some 100 s on a rural 2G link; redrawn at about 1600 px on the longer side (the size the
 * server shows anyway) it is about 300 KB. The browser applies the EXIF orientation when it
 * decodes; the redrawn JPEG carries no metadata, and the original's GPS position is returned
 * so it can become the report's location.
 */
import { exifGps, type GpsPoint } from "./exif.js";

/** A photo ready to upload. */
export interface ShrunkPhoto {
  file: Blob;
  width: number;
  height: number;
  /** The original's EXIF GPS (WGS-84), if it had one. */
  gps: GpsPoint | null;
}

/** The longest side sent, in px (the server's display rendition is 1600 px). */
export const MAX_SIDE = 1600;

/**
 * JPEG quality of the redrawn photo. At 0.82 a detailed 12 MP photo came to about 306 KB and
 * three of them took 31 s at 250 kbit/s; 0.72 brings them under the 30 s a villager on 2G
 * should wait, with no difference a phone screen shows (the server's display copy is 1600 px).
 */
export const QUALITY = 0.72;

/** Redraws `photo` at most `maxSide` px on its longer side as a JPEG of `quality` (0–1). */
export async function shrinkPhoto(photo: Blob, maxSide = MAX_SIDE, quality = QUALITY): Promise<ShrunkPhoto> {
  const head = new Uint8Array(await photo.slice(0, 128 * 1024).arrayBuffer());
  const gps = exifGps(head);
  const picture = await decode(photo);
  const scale = Math.min(1, maxSide / Math.max(picture.width, picture.height));
  const width = Math.max(1, Math.round(picture.width * scale));
  const height = Math.max(1, Math.round(picture.height * scale));
  let file: Blob;
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    draw(canvas.getContext("2d"), picture.source, width, height);
    file = await canvas.convertToBlob({ type: "image/jpeg", quality });
  } else {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    draw(canvas.getContext("2d"), picture.source, width, height);
    file = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the photo could not be redrawn"))), "image/jpeg", quality),
    );
  }
  picture.close();
  return { file, width, height, gps };
}

/** A decoded photo, upright. */
interface Picture {
  source: CanvasImageSource;
  width: number;
  height: number;
  close(): void;
}

/**
 * Decodes with `createImageBitmap` (orientation applied); where it is missing or refuses the
 * options (iOS before 15, older WebViews) through an `<img>`, which browsers draw upright too.
 */
async function decode(photo: Blob): Promise<Picture> {
  if (typeof createImageBitmap !== "undefined") {
    try {
      const b = await createImageBitmap(photo, { imageOrientation: "from-image" });
      return { source: b, width: b.width, height: b.height, close: () => b.close() };
    } catch {
      // fall through to <img>
    }
  }
  const url = URL.createObjectURL(photo);
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch (e) {
    URL.revokeObjectURL(url);
    throw e;
  }
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) };
}

function draw(
  ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null,
  bitmap: CanvasImageSource,
  width: number,
  height: number,
): void {
  if (!ctx) throw new Error("no canvas to redraw the photo on");
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, width, height);
}
