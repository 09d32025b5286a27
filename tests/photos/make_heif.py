#!/usr/bin/env python3
"""Writes the HEIC a phone writes, from an upright photo, for the still-image tests.

A phone stores what its sensor saw (landscape, whichever way the phone was held) as a grid of
separately coded HEVC tiles, and says how to show it twice: an `irot` property on the grid (the
HEIF way, which readers must apply) and an Exif orientation tag (which HEIF readers must ignore,
as the pixels are turned by `irot` already). Debian's heif-enc writes neither a grid nor `irot`,
so this script codes each tile with heif-enc and assembles the file box by box (ISO/IEC 23008-12).

usage: make_heif.py UPRIGHT.png OUT.heic [--tile N] [--turns T] [--quality Q]
  --turns T: irot angle in quarter turns anticlockwise (3 = the phone held upright; 0 = none)
"""
import argparse, os, struct, subprocess, tempfile
import cv2

def box(kind, payload):
    return struct.pack('>I4s', 8 + len(payload), kind) + payload

def full_box(kind, version, flags, payload):
    return box(kind, struct.pack('>I', (version << 24) | flags) + payload)

def children(data, start, end):
    """(kind, payload start, box end) of each box in data[start:end]."""
    while start + 8 <= end:
        size, kind = struct.unpack('>I4s', data[start:start + 8])
        yield kind, start + 8, start + size
        start += size

def find(data, path, start=0, end=None):
    end = len(data) if end is None else end
    for kind, body, stop in children(data, start, end):
        if kind == path[0]:
            if len(path) == 1: return body, stop
            inner = body + 4 if kind == b'meta' else body  # meta is a full box
            return find(data, path[1:], inner, stop)
    raise ValueError(f'no {path[0]} box')

def code_tile(tile, quality, work):
    """One tile coded by heif-enc: its hvcC property and its HEVC data."""
    png, heic = os.path.join(work, 'tile.png'), os.path.join(work, 'tile.heic')
    cv2.imwrite(png, tile)
    subprocess.run(['heif-enc', '-q', str(quality), png, '-o', heic], check=True, capture_output=True)
    data = open(heic, 'rb').read()
    body, stop = find(data, [b'meta', b'iprp', b'ipco', b'hvcC'])
    hvcc = data[body - 8:stop]
    body, stop = find(data, [b'meta', b'iloc'])
    version = data[body - 8 + 8]
    assert version in (0, 1)
    # heif-enc writes one item with one extent; read its offset and length.
    sizes = data[body + 4]; offset_size, length_size = sizes >> 4, sizes & 15
    base_size = data[body + 5] >> 4
    read = lambda n, at: (int.from_bytes(data[at:at + n], 'big') if n else 0, at + n)
    at = body + 6 + 2 + 2 + (2 if version == 1 else 0) + 2
    base, at = read(base_size, at)
    at += 2  # extent count: 1
    offset, at = read(offset_size, at)
    length, at = read(length_size, at)
    return hvcc, data[base + offset:base + offset + length]

def exif_payload(orientation):
    tiff = b'MM\x00\x2a' + struct.pack('>IH', 8, 1) + struct.pack('>HHIHH', 0x0112, 3, 1, orientation, 0) + struct.pack('>I', 0)
    return struct.pack('>I', 6) + b'Exif\x00\x00' + tiff

def main():
    p = argparse.ArgumentParser()
    p.add_argument('upright'); p.add_argument('out')
    p.add_argument('--tile', type=int, default=256)
    p.add_argument('--turns', type=int, default=3)
    p.add_argument('--quality', type=int, default=90)
    a = p.parse_args()
    upright = cv2.imread(a.upright, cv2.IMREAD_COLOR)
    # What the sensor stored: the upright picture turned back by the quarter turns irot will apply.
    stored = upright
    for _ in range(a.turns % 4): stored = cv2.rotate(stored, cv2.ROTATE_90_CLOCKWISE)
    h, w = stored.shape[:2]
    rows, cols = -(-h // a.tile), -(-w // a.tile)
    # Tiles cover the grid fully; the last row and column are padded, the grid's size crops them.
    padded = cv2.copyMakeBorder(stored, 0, rows * a.tile - h, 0, cols * a.tile - w, cv2.BORDER_REPLICATE)
    with tempfile.TemporaryDirectory() as work:
        tiles = [code_tile(padded[r * a.tile:(r + 1) * a.tile, c * a.tile:(c + 1) * a.tile], a.quality, work)
                 for r in range(rows) for c in range(cols)]
    n = len(tiles)
    grid_id, exif_id = n + 1, n + 2
    grid_data = struct.pack('>BBBBHH', 0, 0, rows - 1, cols - 1, w, h)
    exif = exif_payload({0: 1, 1: 8, 2: 3, 3: 6}[a.turns % 4])
    items = [(i + 1, b'hvc1', t[1]) for i, t in enumerate(tiles)] + [(grid_id, b'grid', grid_data), (exif_id, b'Exif', exif)]

    # Properties: one hvcC per tile (each tile was coded alone), the tile size, the grid size, irot.
    props = [t[0] for t in tiles]
    tile_ispe = len(props) + 1; props.append(full_box(b'ispe', 0, 0, struct.pack('>II', a.tile, a.tile)))
    grid_ispe = len(props) + 1; props.append(full_box(b'ispe', 0, 0, struct.pack('>II', w, h)))
    assocs = [(i + 1, [(i + 1, True), (tile_ispe, False)]) for i in range(n)]
    grid_assoc = [(grid_ispe, False)]
    if a.turns % 4:
        irot = len(props) + 1; props.append(box(b'irot', bytes([a.turns % 4])))
        grid_assoc.append((irot, True))
    assocs.append((grid_id, grid_assoc))
    assert len(props) < 128
    ipma = full_box(b'ipma', 0, 0, struct.pack('>I', len(assocs)) + b''.join(
        struct.pack('>HB', item, len(a_)) + bytes((0x80 if essential else 0) | index for index, essential in a_) for item, a_ in assocs))
    iprp = box(b'iprp', box(b'ipco', b''.join(props)) + ipma)
    # Tiles are hidden (flag 1): only the grid is a picture of its own.
    infe = lambda item, kind, hidden: full_box(b'infe', 2, 1 if hidden else 0, struct.pack('>HH', item, 0) + kind + b'\x00')
    iinf = full_box(b'iinf', 0, 0, struct.pack('>H', len(items)) + b''.join(infe(i, k, k == b'hvc1') for i, k, _ in items))
    iref = full_box(b'iref', 0, 0,
                    box(b'dimg', struct.pack('>HH', grid_id, n) + b''.join(struct.pack('>H', i + 1) for i in range(n))) +
                    box(b'cdsc', struct.pack('>HHH', exif_id, 1, grid_id)))
    hdlr = full_box(b'hdlr', 0, 0, b'\x00' * 4 + b'pict' + b'\x00' * 12 + b'\x00')
    pitm = full_box(b'pitm', 0, 0, struct.pack('>H', grid_id))
    ftyp = box(b'ftyp', b'heic' + struct.pack('>I', 0) + b'mif1heicmiaf')

    def meta(mdat_start):
        # iloc version 0: 4-byte offsets and lengths, no base offset, one extent per item.
        at, entries = mdat_start + 8, b''
        for item, _, data in items:
            entries += struct.pack('>HHHII', item, 0, 1, at, len(data)); at += len(data)
        iloc = full_box(b'iloc', 0, 0, bytes([0x44, 0x00]) + struct.pack('>H', len(items)) + entries)
        return full_box(b'meta', 0, 0, hdlr + pitm + iloc + iinf + iref + iprp)

    mdat_start = len(ftyp) + len(meta(0))
    mdat = box(b'mdat', b''.join(d for _, _, d in items))
    with open(a.out, 'wb') as f:
        f.write(ftyp + meta(mdat_start) + mdat)
    print(f'{a.out}: {w}x{h} stored as {rows}x{cols} tiles of {a.tile}, irot {a.turns % 4}')

if __name__ == '__main__':
    main()
