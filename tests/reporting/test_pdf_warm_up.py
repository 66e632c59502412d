"""Each gunicorn worker loads WeasyPrint as it starts (config/gunicorn.conf.py's post_worker_init), so the first
PDF it serves is not also the import: the hook runs the warm-up, and the warm-up renders without a database."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from reporting import exports

ROOT = Path(__file__).resolve().parents[2]


def test_the_gunicorn_worker_hook_loads_weasyprint_and_the_export_stylesheet() -> None:
    spec = importlib.util.spec_from_file_location(
        "rhi_gunicorn_conf_warm", ROOT / "config" / "gunicorn.conf.py"
    )
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    exports._parsed_css.clear()
    conf.post_worker_init(object())
    assert "weasyprint" in sys.modules
    assert "ua" in exports._parsed_css
