"""``paddle.utils.download.get_weights_path_from_url``: fetch a weights file once into Paddle's own cache."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

# The directory Paddle downloads to, so that files Paddle fetched before are found again.
WEIGHTS_HOME = Path("~/.cache/paddle/hapi/weights").expanduser()
_ARCHIVES = (".tar", ".tar.gz", ".tgz", ".zip")


def _md5(path: Path) -> str:
    digest = hashlib.md5()  # noqa: S324 - a checksum Paddle publishes, not a security measure
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def get_weights_path_from_url(url: str, md5sum: str | None = None) -> str:
    """Local path of the file at ``url``: downloaded into WEIGHTS_HOME (Paddle's weights cache) unless a
    copy with the right MD5 is already there. Archives (which Paddle would also unpack) are refused."""
    if url.endswith(_ARCHIVES):
        raise ValueError(f"get_weights_path_from_url does not unpack archives: {url}")
    target = WEIGHTS_HOME / url.rsplit("/", 1)[-1]
    if target.is_file() and (md5sum is None or _md5(target) == md5sum):
        return str(target)
    WEIGHTS_HOME.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=WEIGHTS_HOME, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url) as response:  # noqa: S310 - the model code's URL
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        if md5sum is not None and _md5(Path(temporary)) != md5sum:
            raise OSError(f"{url}: MD5 mismatch after download (expected {md5sum})")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return str(target)
