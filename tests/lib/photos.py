#!/usr/bin/env python3
"""photos.py — test photos for hcbus-report's metadata removal (test_webform_photos),
made with Pillow, and the pixel check of a cleaned copy. exiftool and jpegtran add the
rest in the shell test. The identifying strings planted here (HCBUSCAM, SN-4242-HCBUS,
hcbus-secret) let the test grep the cleaned bytes as well as ask exiftool.

    photos.py jpeg OUT THUMB [progressive|cmyk]   a JPEG with EXIF (camera, orientation),
                                                  an ICC profile and a comment; THUMB
                                                  is a small JPEG for EXIF's thumbnail
    photos.py png OUT [rgba|palette]              a PNG with tEXt, zTXt, iTXt, eXIf,
                                                  iCCP and pHYs
    photos.py same A B                            exit 0 when A and B decode to the
                                                  same mode, size and pixels
"""
import random
import sys

from PIL import Image, ImageCms, PngImagePlugin

CAMERA = "HCBUSCAM"
SERIAL = "SN-4242-HCBUS"
SECRET = "hcbus-secret"


def picture(mode, size=(96, 64)):
    """A gradient with seeded noise: enough detail for several Huffman codes."""
    rng = random.Random(15)
    img = Image.new("RGB", size)
    img.putdata([((x * 255) // size[0], (y * 255) // size[1], rng.randrange(256))
                 for y in range(size[1]) for x in range(size[0])])
    return img.convert(mode)


def exif_block():
    exif = Image.Exif()
    exif[0x010F] = CAMERA                       # Make
    exif[0x0110] = "Testphone 15"               # Model
    exif[0x0131] = "hcbus-secret-firmware"      # Software
    exif[0x013B] = SECRET + "-artist"           # Artist
    exif[0x0112] = 6                            # Orientation: rotated (dropped with EXIF)
    exif[0x8298] = SERIAL                       # Copyright (exiftool adds serials and GPS)
    return exif


def make_jpeg(out, thumb, variant):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    mode = "CMYK" if variant == "cmyk" else "RGB"
    img = picture(mode)
    img.save(out, "JPEG", quality=90, exif=exif_block().tobytes(), icc_profile=icc,
             progressive=(variant == "progressive"), comment=SECRET + "-comment")
    picture("RGB", (16, 12)).save(thumb, "JPEG", quality=70)


def make_png(out, variant):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET + "-author")
    info.add_text("Comment", SECRET + "-ztxt " * 20, zip=True)
    info.add_itxt("Description", SECRET + "-itxt", lang="es", tkey="Descripción")
    img = picture("RGBA" if variant == "rgba" else "RGB")
    kwargs = {}
    if variant == "palette":
        img = img.quantize(16)
        kwargs["transparency"] = 3              # tRNS: palette entry 3 is transparent
    img.save(out, "PNG", pnginfo=info, exif=exif_block().tobytes(), icc_profile=icc,
             dpi=(300, 300), **kwargs)


def same(a, b):
    ia, ib = Image.open(a), Image.open(b)
    ia.load()
    ib.load()
    if ia.mode != ib.mode or ia.size != ib.size:
        print(f"{a}: {ia.mode} {ia.size}, {b}: {ib.mode} {ib.size}")
        return 1
    ra, rb = ia.convert("RGBA").tobytes(), ib.convert("RGBA").tobytes()
    if ra != rb:
        diff = sum(1 for x, y in zip(ra, rb) if x != y)
        print(f"{a} and {b}: {diff} of {len(ra)} RGBA bytes differ")
        return 1
    print(f"same pixels: {ia.mode} {ia.size[0]}x{ia.size[1]}")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "jpeg":
        make_jpeg(argv[1], argv[2], argv[3] if len(argv) > 3 else "")
    elif len(argv) >= 2 and argv[0] == "png":
        make_png(argv[1], argv[2] if len(argv) > 2 else "")
    elif len(argv) == 3 and argv[0] == "same":
        return same(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
