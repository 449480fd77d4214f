"""Local background tiles: a URL template, a z/x/y folder, or an MBTiles file."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from gisrev.errors import InputError

_IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".webp")


def resolve_tiles(tiles: str | os.PathLike[str] | None, out_dir: Path) -> dict[str, Any]:
    """Say where the page finds its background tiles.

    Parameters
    ----------
    tiles
        ``None`` (OpenStreetMap when online, plain background offline); a URL template
        with ``{z}``, ``{x}`` and ``{y}``; a folder laid out ``z/x/y.png``; or an
        ``.mbtiles`` file, whose tiles are written under ``out_dir/tiles/``.
    out_dir
        Where the maps are written; folder templates are made relative to it.

    Returns
    -------
    dict
        ``{"osm": bool, "local": template or None, "localMaxZoom": int or None}``.
    """
    if tiles is None:
        return {"osm": True, "local": None, "localMaxZoom": None}
    text = os.fspath(tiles)
    if all(k in text for k in ("{z}", "{x}", "{y}")):
        if not text.startswith(("http://", "https://", "file://")) and ":" in text.split("/")[0]:
            msg = (
                f"--tiles {text!r}: expected an http(s) URL template, "
                "a z/x/y folder or an .mbtiles file"
            )
            raise InputError(msg)
        return {"osm": True, "local": text, "localMaxZoom": None}
    path = Path(text)
    if path.is_dir():
        return _folder(path, out_dir)
    if path.is_file() and path.suffix.lower() == ".mbtiles":
        return _folder(_unpack_mbtiles(path, out_dir / "tiles"), out_dir)
    msg = (
        f"--tiles {text!r}: not found or not a tile source; expected a URL template with "
        "{z}/{x}/{y}, a folder laid out z/x/y.png or an .mbtiles file"
    )
    raise InputError(msg)


def _folder(path: Path, out_dir: Path) -> dict[str, Any]:
    zooms = sorted(int(p.name) for p in path.iterdir() if p.is_dir() and p.name.isdigit())
    ext = next(
        (f.suffix for f in path.rglob("*") if f.is_file() and f.suffix.lower() in _IMAGE_EXTS), None
    )
    if not zooms or ext is None:
        msg = f"--tiles {path}: no z/x/y tiles found (expected folders like 15/25678/14870{'.png'})"
        raise InputError(msg)
    rel = os.path.relpath(path.resolve(), out_dir.resolve()).replace(os.sep, "/")
    return {"osm": True, "local": f"{rel}/{{z}}/{{x}}/{{y}}{ext}", "localMaxZoom": zooms[-1]}


def _unpack_mbtiles(path: Path, dest: Path) -> Path:
    """Write the tiles of an MBTiles file (TMS rows) as an XYZ folder."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            fmt = db.execute("SELECT value FROM metadata WHERE name = 'format'").fetchone()
            ext = "." + str(fmt[0] if fmt else "png").lower().replace("jpeg", "jpg")
            if ext not in _IMAGE_EXTS:  # vector tiles (pbf): the page cannot draw them
                msg = (
                    f"{path}: tiles of format {ext[1:]!r} cannot be shown as a background; "
                    "expected raster tiles (png, jpg or webp)"
                )
                raise InputError(msg)
            for z, x, y, data in db.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"
            ):
                out = dest / str(z) / str(x) / f"{(1 << z) - 1 - y}{ext}"
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
    except sqlite3.DatabaseError as exc:
        msg = f"{path}: not a readable MBTiles file ({exc}); expected tables metadata and tiles"
        raise InputError(msg) from exc
    return dest
