"""dbt's names that sqlfluff's Jinja templater lacks, for the lint (each module is one name)."""

import hashlib


def local_md5(text):
    """dbt's local_md5: the MD5 hex digest of a string."""
    return hashlib.md5(str(text).encode()).hexdigest()
