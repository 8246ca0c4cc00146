"""The export cache: each model's ONNX export and its int8 files, made once, offline, from the
local weights, and moved into the cache whole, so later starts load them directly."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsdex.errors import ModelUnavailable

log = logging.getLogger(__name__)

ONNX_FILE = "onnx/model.onnx"


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsdex" / "models"


def onnx_export(name: str, source: str, int8_config: str | None, cache_dir: Path, offline: bool) -> tuple[Path, str]:
    """Where the model's ONNX export is (and which file of it to run), exported (and quantized
    for `int8_config`, when given) on first use into `cache_dir`."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    export = cache_dir / f"{slug}-{hashlib.sha1(source.encode()).hexdigest()[:8]}"
    if not (export / ONNX_FILE).is_file():
        from sentence_transformers import SentenceTransformer

        # Its export notices ("No 'model.onnx' found", "Saving ... is heavily recommended")
        # describe what this function does anyway.
        logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
        log.info("exporting %s to ONNX in %s (once)", source, export)
        with _quiet_export():
            model = SentenceTransformer(source, backend="onnx", device="cpu", local_files_only=offline)
            _publish(export, lambda tmp: model.save_pretrained(str(tmp)))
    file_name = ONNX_FILE
    if int8_config is not None:
        # Our own name, one per configuration: the library names its file by the
        # configuration's weight type (qint8 or quint8), which must not be guessed here.
        file_name = f"onnx/model_int8_{int8_config}.onnx"
        if not (export / file_name).is_file():
            log.info("quantizing %s for %s (once)", export, int8_config)
            _quantize(export, int8_config, export / file_name)
    return export, file_name


@contextmanager
def _quiet_export() -> Iterator[None]:
    """Silence what the exporter says to its own developers while it runs: transformers'
    "`torch_dtype` is deprecated" (optimum still passes it) and torch's TracerWarning about
    constants in the trace, which are expected in an export. Errors still show."""
    from torch.jit import TracerWarning

    quieted = logging.getLogger("transformers")
    level = quieted.level
    quieted.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TracerWarning)
            yield
    finally:
        quieted.setLevel(level)


def _quantize(export: Path, config: str, target: Path) -> None:
    """Quantize the export's float model for `config` into `target`.

    The quantized file is written beside the export and moved in whole, so a reader never
    sees half a file; which file that is comes from what the export wrote."""
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    fp32 = SentenceTransformer(str(export), backend="onnx", local_files_only=True,
                               model_kwargs={"file_name": ONNX_FILE})
    with tempfile.TemporaryDirectory(dir=export) as tmp:
        export_dynamic_quantized_onnx_model(fp32, config, tmp)
        written = sorted(Path(tmp).rglob("*.onnx"))
        if len(written) != 1:
            raise ModelUnavailable(f"quantizing for {config} wrote {len(written)} ONNX files, expected one")
        shutil.move(str(written[0]), str(target))


def _publish(target: Path, write) -> None:
    """Write a directory beside `target` and rename it into place, so that a reader never
    sees half an export and two processes exporting at once both end with a whole one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        write(tmp)
        try:
            os.rename(tmp, target)
        except OSError:  # another process got there first; theirs is as good
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
