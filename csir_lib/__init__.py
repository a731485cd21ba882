"""csir: code-switched cross-lingual retrieval, as a reproducible study of Litschko et al. (Findings of ACL 2023)."""

__version__ = "0.1.0"

import warnings as _warnings

# Without ipywidgets, tqdm.auto falls back to text bars in notebooks and warns, with this machine's paths, into
# every report: the fallback is what we want, so the warning is noise.
_warnings.filterwarnings("ignore", message="IProgress not found")
