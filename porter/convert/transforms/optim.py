"""(being written)"""
from porter.convert.transforms.base import NotConverted


def _pending(site):
    raise NotConverted("not-implemented", "transform being written")


optimizer = lr_scheduler = _pending
