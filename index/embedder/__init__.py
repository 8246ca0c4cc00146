"""The model boundary: the only package that imports sentence-transformers (and with it
transformers and torch), and the names the rest of newsdex imports from it.

Everything else sees an `Embedder` that turns texts into normalized float32 vectors and counts
tokens with the model's own tokenizer (so passage budgets match what the model will actually
read), or the `TextEmbedder` protocol it answers. One module per job:

- `model`: `Embedder`, the model loaded on a backend (`torch`; `onnx`, an ONNX Runtime export
  made by sentence-transformers itself; `onnx-int8`, that export with dynamically quantized
  weights), and `TextEmbedder`;
- `cpu`: the int8 families, which one this CPU suits and which vectors share an index;
- `exports`: the export cache, each export made once, offline, from the local weights;
- `direct`: ONNX Runtime called directly for mean-pooled models, and later loads of an export
  without sentence-transformers (`_LightOnnx`), since that import costs a process seconds
  (docs/performance.md, "Starting a process").

Nothing here imports sentence-transformers, transformers or torch at import time: each is
imported inside the function that needs it, so a light load never imports them at all.
"""

from newsdex.index.embedder.cpu import INT8_CONFIGS, cpu_int8_config, resolve_int8_config, vector_family
from newsdex.index.embedder.exports import default_cache
from newsdex.index.embedder.model import BACKENDS, Embedder, TextEmbedder, resolve_model

__all__ = ["BACKENDS", "INT8_CONFIGS", "Embedder", "TextEmbedder", "cpu_int8_config", "default_cache",
           "resolve_int8_config", "resolve_model", "vector_family"]
