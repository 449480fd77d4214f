"""A folium map that works offline, and the element that draws gisrev's layers on it.

folium's :class:`folium.Map` links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs
(``default_js``, ``default_css``), so a saved map or an exported notebook is blank without a
network. :class:`OfflineMap` links nothing and inlines the Leaflet gisrev ships instead.
:class:`ExploreLayers` puts the data in a ``<script type="application/json">`` block (escaped
by :func:`gisrev.outputs.maps._encode.script_json`) and calls ``gisrevExplore`` on the map:
every value is shown with ``textContent``, never ``innerHTML``.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement

from gisrev.outputs.maps._encode import script_json

__all__ = ["ExploreLayers", "OfflineMap"]


@functools.cache
def _asset(package: str, name: str) -> str:
    return (resources.files(package) / "static" / name).read_text(encoding="utf-8")


def _inline_assets() -> str:
    """Leaflet (BSD-2-Clause, gisrev/outputs/maps/static) and the explore code, inlined."""
    maps, explore = "gisrev.outputs.maps", "gisrev.outputs.explore"
    return (
        "<!-- Leaflet 1.9.4 (BSD-2-Clause, LEAFLET-LICENSE.txt in gisrev) and gisrev's "
        "explore layers, inlined so the map works offline -->\n"
        f"<style>{_asset(maps, 'leaflet.css')}</style>\n"
        f"<style>{_asset(explore, 'explore.css')}</style>\n"
        f"<script>{_asset(maps, 'leaflet.js')}</script>\n"
        f"<script>{_asset(explore, 'explore.js')}</script>\n"
    )


class _Raw(Element):
    """Text put into the page as it is (no template): inlined assets and escaped JSON."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text."""
        return self._text


class OfflineMap(folium.Map):
    """A :class:`folium.Map` whose page needs no network: no CDN links, Leaflet inlined.

    Layers a user adds with folium still work, as long as they need no plugin of their own
    (a plugin's script would come from its CDN).
    """

    # folium's Map declares these per instance; empty lists here: nothing from a CDN.
    default_js: list[tuple[str, str]] = []  # noqa: RUF012
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def render(self, **kwargs: Any) -> str:
        """Put Leaflet and the explore code in the page header, then render as folium does."""
        figure = self.get_root()
        assert isinstance(figure, Figure)
        # The same name every time: rendering twice (a notebook shows, then saves) adds it once.
        figure.header.add_child(_Raw(_inline_assets()), name="gisrev_assets")
        super().render(**kwargs)
        return ""  # a map adds itself to its figure; folium ignores what render returns


class ExploreLayers(MacroElement):
    """gisrev's layers on an :class:`OfflineMap`, drawn by ``explore.js`` from JSON data."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GisrevExplore"
        self._payload = payload

    def render(self, **kwargs: Any) -> str:
        """Add the data block to the page body and the call that draws it to the script."""
        figure = self.get_root()
        assert isinstance(figure, Figure)
        name = self.get_name()
        figure.html.add_child(_Raw(
            f'<script type="application/json" id="{name}">{script_json(self._payload)}</script>'
        ), name=name)
        parent = self._parent.get_name() if self._parent is not None else ""
        figure.script.add_child(_Raw(
            f'gisrevExplore({parent}, JSON.parse(document.getElementById("{name}").textContent));'
        ), name=name)
        return ""
