#!/usr/bin/env python3
"""png_ink.py — how much of a PNG screenshot is not blank, with the standard library
only (zlib; no PIL): prints "WIDTH HEIGHT INK", INK being the pixels whose colour is
not near white (any channel below 240). 8-bit RGB or RGBA, not interlaced (what
chromium --screenshot writes); anything else exits 1 naming what it is.

    python3 tests/lib/png_ink.py shot.png      ->  1024 2000 183412
"""
import struct
import sys
import zlib

NEAR_WHITE = 240


def chunks(data):
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(kind, row, prev, bpp):
    n = len(row)
    if kind == 0:
        return row
    if kind == 1:
        for i in range(bpp, n):
            row[i] = (row[i] + row[i - bpp]) & 255
    elif kind == 2:
        for i in range(n):
            row[i] = (row[i] + prev[i]) & 255
    elif kind == 3:
        for i in range(n):
            left = row[i - bpp] if i >= bpp else 0
            row[i] = (row[i] + ((left + prev[i]) >> 1)) & 255
    elif kind == 4:
        for i in range(n):
            left = row[i - bpp] if i >= bpp else 0
            upleft = prev[i - bpp] if i >= bpp else 0
            row[i] = (row[i] + paeth(left, prev[i], upleft)) & 255
    else:
        raise ValueError("unknown PNG filter %d" % kind)
    return row


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    idat = []
    width = height = 0
    for kind, body in chunks(data):
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace != 0:
                raise ValueError("PNG depth %d colour type %d interlace %d: only 8-bit RGB/RGBA, "
                                 "not interlaced" % (depth, colour, interlace))
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    ink = 0
    white = bytes([255]) * 3
    for y in range(height):
        start = y * (stride + 1)
        row = unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), prev, bpp)
        for x in range(0, stride, bpp):
            px = row[x:x + 3]
            if px != white and min(px) < NEAR_WHITE:
                ink += 1
        prev = row
    print(width, height, ink)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except (OSError, ValueError, zlib.error, struct.error, IndexError) as e:
        print("png_ink: %s: %s" % (sys.argv[1] if len(sys.argv) > 1 else "?", e))
        sys.exit(1)
