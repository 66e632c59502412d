"""The home page, the navigation bar and the cross-app home panels: a thin composition layer over the apps.

It may import every domain app (their selectors and the ``access`` policy) and nothing imports it back, so the
domain apps never need to know about the pages that gather them (docs/architecture.md).
"""
