"""csir: code-switched cross-lingual retrieval, as a reproducible study of Litschko et al. (Findings of ACL 2023)."""

__version__ = "0.1.0"
